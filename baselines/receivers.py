"""A baseline at every checkpoint of the plan (``engagements.signals.plan_checkpoint``)."""

from baselines.services import save_automatic_baseline
from engagements.signals import plan_checkpoint


def save_on_checkpoint(sender, *, engagement, actor, reason, label, **kwargs) -> None:
    save_automatic_baseline(actor=actor, engagement=engagement, reason=reason, label=label)


plan_checkpoint.connect(save_on_checkpoint, dispatch_uid="baselines.save_on_checkpoint")
