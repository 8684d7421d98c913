"""Access to the client's systems: requested for a wave or a selection in one batch, approved
(or refused) by the client, provisioned and verified by the provider. Each step keeps its date
and its person; a step out of order is refused naming the person and the system, and a batch
action changes all of its steps or none."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from engagements.permissions import (
    can_approve_access,
    can_provision_access,
    require,
    require_visible,
)
from kernel.errors import InvalidInput, RuleBroken
from kernel.text import required
from roster.models import AccessBatch, AccessStep, Person, Requirement, Wave
from roster.services import require_roster_editor

# action: (the status it needs, the status it gives, the stamp fields, the verb for people)
ACTIONS = {
    "approve": ("requested", "approved", "approved", "approve"),
    "provision": ("approved", "provisioned", "provisioned", "provision"),
    "verify": ("provisioned", "verified", "verified", "verify"),
    "refuse": (None, "refused", "refused", "refuse"),
}
# Why a step cannot take an action yet, by its status.
TOO_EARLY = {
    "provision": {"requested": "not yet approved by the client"},
    "verify": {
        "requested": "not yet approved or provisioned",
        "approved": "not yet provisioned",
    },
}


@operation("roster.access_requested", tenant_of="engagement")
def request_access(
    *,
    actor: User,
    engagement: Engagement,
    people: Iterable[Person] | None = None,
    wave: Wave | None = None,
    label: str = "",
) -> AccessBatch:
    """Request every required system not yet requested (or refused before) for a wave or a
    selection of people, as one batch."""
    require_roster_editor(actor=actor, engagement=engagement)
    if wave is not None:
        if wave.engagement_id != engagement.pk:
            raise InvalidInput("No such wave.", errors={"wave": ["No such wave."]})
        chosen = list(Person.objects.filter(wave=wave, status__in=Person.ON_ROSTER, erased_at=None))
    else:
        chosen = [person for person in (people or []) if person.engagement_id == engagement.pk]
    if not chosen:
        raise InvalidInput(
            "Choose a wave or at least one person.",
            errors={"people": ["Choose a wave or at least one person."]},
        )
    systems: dict[str, list[Requirement]] = {}
    for requirement in Requirement.objects.filter(
        engagement=engagement, kind=Requirement.Kind.SYSTEM
    ):
        systems.setdefault(requirement.role, []).append(requirement)
    existing = {
        (step.person_id, step.system_id): step
        for step in AccessStep.objects.filter(person__in=chosen)
    }
    now = timezone.now()
    batch = AccessBatch(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        wave=wave,
        label=(label or "").strip()[:120]
        or (f"{wave.label} access" if wave else f"Access for {len(chosen)} people"),
        requested_by=actor,
        requested_at=now,
    )
    new: list[AccessStep] = []
    again: list[tuple[AccessStep, dict]] = []
    for person in chosen:
        for system in systems.get(person.role, []):
            step = existing.get((person.pk, system.pk))
            if step is None:
                new.append(
                    AccessStep(
                        tenant_id=engagement.tenant_id,
                        person=person,
                        system=system,
                        batch=batch,
                        status=AccessStep.Status.REQUESTED,
                        requested_at=now,
                        requested_by=actor,
                        waiting_since=now,
                    )
                )
            elif step.status == AccessStep.Status.REFUSED:
                again.append((step, audit.snapshot(step)))
    if not new and not again:
        raise RuleBroken("Every system these people need is already requested.", field="people")
    batch.save()
    audit.record_created(actor=actor, instance=batch)
    if new:
        AccessStep.objects.bulk_create(new)
        audit.record_many_created(actor=actor, instances=new)
    for step, _before in again:
        step.batch = batch
        step.status = AccessStep.Status.REQUESTED
        step.requested_at = step.waiting_since = now
        step.requested_by = actor
        step.approved_at = step.approved_by = step.refused_at = step.refused_by = None
        step.refusal_reason = ""
    if again:
        AccessStep.objects.bulk_update(
            [step for step, _ in again],
            [
                "batch",
                "status",
                "requested_at",
                "waiting_since",
                "requested_by",
                "approved_at",
                "approved_by",
                "refused_at",
                "refused_by",
                "refusal_reason",
            ],
        )
        audit.record_many_updated(actor=actor, changed=again, note="requested again")
    return batch


def _permission(action: str, *, actor: User, engagement: Engagement) -> None:
    require_visible(actor=actor, engagement=engagement)
    if action in ("approve", "refuse"):
        require(
            can_approve_access(user=actor, engagement=engagement),
            "Only the client's team and PMO can approve or refuse access to the client's systems.",
        )
    else:
        require(
            can_provision_access(user=actor, engagement=engagement),
            "Only the provider's team and PMO can provision and verify access.",
        )


@operation("roster.access_moved", tenant_of="engagement")
def advance(
    *,
    actor: User,
    engagement: Engagement,
    steps: Sequence[AccessStep],
    action: str,
    reason: str = "",
) -> list[AccessStep]:
    """Approve, provision, verify or refuse ``steps``: all of them, or none, with every step
    that cannot move named."""
    if action not in ACTIONS:
        raise InvalidInput(
            "Choose approve, provision, verify or refuse.",
            errors={"action": ["Choose approve, provision, verify or refuse."]},
        )
    _permission(action, actor=actor, engagement=engagement)
    steps = [step for step in steps if step.person.engagement_id == engagement.pk]
    if not steps:
        raise InvalidInput(
            "Choose at least one access step.",
            errors={"steps": ["Choose at least one access step."]},
        )
    needed, gives, stamp, verb = ACTIONS[action]
    if action == "refuse":
        reason = required(reason, field="reason", message="Say why the access is refused.")
    problems = []
    for step in steps:
        if action == "refuse":
            if step.status not in ("requested", "approved"):
                problems.append(f"{step.person.name}, {step.system.name}: already {step.status}")
        elif step.status != needed:
            why = TOO_EARLY.get(action, {}).get(step.status) or f"it is {step.status}"
            problems.append(f"{step.person.name}, {step.system.name}: {why}")
    if problems:
        raise RuleBroken(
            f"Cannot {verb} {len(problems)} of {len(steps)}: "
            + "; ".join(problems[:10])
            + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            + ". Nothing was changed.",
            field="steps",
        )
    now = timezone.now()
    changed = []
    for step in steps:
        before = audit.snapshot(step)
        step.status = gives
        setattr(step, f"{stamp}_at", now)
        setattr(step, f"{stamp}_by", actor)
        step.waiting_since = now
        if action == "refuse":
            step.refusal_reason = reason
        changed.append((step, before))
    AccessStep.objects.bulk_update(
        steps, ["status", f"{stamp}_at", f"{stamp}_by", "waiting_since", "refusal_reason"]
    )
    audit.record_many_updated(actor=actor, changed=changed)
    return steps
