"""Saving a baseline: one row for the baseline and one set-based statement per table of rows
(INSERT ... SELECT), so a plan of 10 milestones and one of 5,000 cost the same few queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit import services as audit
from audit.services import operation
from baselines.models import Baseline, BaselineMilestone, BaselinePhase
from engagements.models import Engagement, Phase
from engagements.permissions import require_pmo
from governance.models import Gate
from kernel.errors import InvalidInput
from kernel.text import required_text
from kernel.validation import no_nul
from milestones.models import Milestone

if TYPE_CHECKING:
    from accounts.models import User

NAME_LENGTH = Baseline._meta.get_field("name").max_length
NOTE_LENGTH = Baseline._meta.get_field("note").max_length


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _copy_plan(baseline: Baseline) -> None:
    """The plan's dates into the baseline's rows: two INSERT ... SELECT statements."""
    engagement_id, tenant_id = baseline.engagement_id, baseline.tenant_id
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(BaselineMilestone)} "  # noqa: S608
            "(tenant_id, baseline_id, milestone_id, phase_kind, title, due_date) "
            "SELECT m.tenant_id, %s, m.id, p.kind, m.title, m.due_date "
            f"FROM {_table(Milestone)} m JOIN {_table(Phase)} p ON p.id = m.phase_id "
            "WHERE m.tenant_id = %s AND m.engagement_id = %s",
            [baseline.pk, tenant_id, engagement_id],
        )
        cursor.execute(
            f"INSERT INTO {_table(BaselinePhase)} "  # noqa: S608
            "(tenant_id, baseline_id, phase_id, kind, position, planned_start, planned_end, "
            "gate_name) "
            "SELECT p.tenant_id, %s, p.id, p.kind, p.position, p.planned_start, p.planned_end, "
            "COALESCE(g.name, '') "
            f"FROM {_table(Phase)} p LEFT JOIN {_table(Gate)} g ON g.phase_id = p.id "
            "WHERE p.tenant_id = %s AND p.engagement_id = %s",
            [baseline.pk, tenant_id, engagement_id],
        )


def _create(
    *, actor: User | None, engagement: Engagement, name: str, reason: str, note: str = ""
) -> Baseline:
    baseline = Baseline(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        name=name,
        reason=reason,
        note=note,
        saved_by=actor,
        saved_at=timezone.now(),
    )
    baseline.save(force_insert=True)
    _copy_plan(baseline)
    audit.record_created(actor=actor, instance=baseline)
    return baseline


@operation("baseline.saved", tenant_of="engagement")
def save_baseline(*, actor: User, engagement: Engagement, name: str, note: str = "") -> Baseline:
    """PMO saves the plan's dates under a name of their own, unique in the engagement."""
    require_pmo(actor=actor, engagement=engagement, doing="save a baseline")
    name = required_text(name=name)["name"]
    note = (note or "").strip()
    no_nul(note=note)
    if len(name) > NAME_LENGTH:
        raise InvalidInput(
            "The baseline's name is too long.",
            errors={"name": [f"At most {NAME_LENGTH} characters."]},
        )
    if len(note) > NOTE_LENGTH:
        raise InvalidInput(
            "The note is too long.", errors={"note": [f"At most {NOTE_LENGTH} characters."]}
        )
    if Baseline.objects.filter(engagement=engagement, name__iexact=name).exists():
        raise InvalidInput(
            f"This engagement already has a baseline called “{name}”.",
            errors={"name": [f"“{name}” is taken in this engagement; choose another name."]},
        )
    try:
        with transaction.atomic():
            return _create(
                actor=actor,
                engagement=engagement,
                name=name,
                reason=Baseline.Reason.NAMED,
                note=note,
            )
    except IntegrityError:
        # Two PMOs saving the same name at once: the second hears what the first did.
        raise InvalidInput(
            f"This engagement already has a baseline called “{name}”.",
            errors={"name": [f"“{name}” is taken in this engagement; choose another name."]},
        ) from None


def save_automatic_baseline(
    *, actor: User | None, engagement: Engagement, reason: str, label: str
) -> Baseline:
    """The baseline saved when the transition starts or a gate is approved (called inside that
    service's transaction). A name already taken gets a number: "Kickoff gate approved (2)"."""
    taken = set(
        Baseline.objects.filter(
            engagement=engagement, name__startswith=label[:NAME_LENGTH]
        ).values_list("name", flat=True)
    )
    name, number = label[:NAME_LENGTH], 2
    while name in taken:
        suffix = f" ({number})"
        name, number = label[: NAME_LENGTH - len(suffix)] + suffix, number + 1
    return _create(actor=actor, engagement=engagement, name=name, reason=reason)
