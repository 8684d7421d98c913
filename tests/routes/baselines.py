"""Routes of the baselines: the list (with PMO's save form) and the plan against one. A
foreign engagement's baseline answers 404, and so does one named under another engagement."""

from __future__ import annotations

from baselines import services
from baselines.models import Baseline
from tests.routes import route


def _baseline(world) -> Baseline:
    baseline = Baseline.objects.filter(engagement=world.engagement).order_by("pk").first()
    return baseline or services.save_automatic_baseline(
        actor=None, engagement=world.engagement, reason="started", label="Route walk"
    )


@route("baselines:list", engagement_scoped=True)
def baselines(world):
    return f"/engagements/{world.engagement.public_id}/baselines/"


@route("baselines:detail", engagement_scoped=True)
def baseline(world):
    return f"/engagements/{world.engagement.public_id}/baselines/{_baseline(world).public_id}/"


@route("api:baseline-detail", engagement_scoped=True)
def baseline_over_the_api(world):
    return f"/api/v1/baselines/{_baseline(world).public_id}/"
