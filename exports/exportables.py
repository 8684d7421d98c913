"""The exports on offer: each kind's rows and columns (see ``exports.registry`` to add one).

Imported once by ``ExportsConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from exports import selectors
from exports.registry import (
    ENGAGEMENT,
    PERSONAL,
    Column,
    Exportable,
    choice,
    day,
    moment,
    number,
    person_email,
    person_name,
    register,
    text,
    yes_no,
)
from registers.models import RaidItem


def _risk_score(item: Any) -> int | None:
    return item.score


def _raid_items(*, actor: Any, engagement: Any) -> Any:
    """The engagement's register (already found through the actor's visibility)."""
    return (
        RaidItem.objects.visible_to(actor)
        .filter(engagement=engagement)
        .select_related("engagement", "owner")
        .order_by("due_date", "id")
    )


def _target_met(measurement: Any) -> str:
    return "Yes" if measurement.kpi.is_met_by(measurement.value) else "No"


MILESTONE_COLUMNS: tuple[Column, ...] = (
    text("Engagement", "engagement.name", width=26),
    choice("Phase", "phase.kind", width=18),
    text("Milestone", "title", width=40),
    choice("Side", "side", width=10),
    person_name("Owner", "owner"),
    person_email("Owner e-mail", "owner"),
    day("Due date", "due_date"),
    choice("Status", "status"),
    yes_no("Evidence required", "evidence_required"),
    text("Evidence", "evidence", width=40),
    text("Evidence link", "evidence_link", width=30),
    moment("Completed at (UTC)", "completed_at"),
    person_name("Completed by", "completed_by"),
    text("External ID", "external_id", width=16),
    text("Milestone ID", "public_id", width=38),
)

MEASUREMENT_COLUMNS: tuple[Column, ...] = (
    text("Engagement", "kpi.engagement.name", width=26),
    text("KPI", "kpi.name", width=34),
    text("KPI key", "kpi.key", width=20),
    text("Unit", "kpi.unit", width=8),
    choice("Direction", "kpi.direction", width=18),
    number("Target", "kpi.target"),
    day("Contractual from", "kpi.contractual_from", width=16),
    day("Measured on", "measured_on"),
    number("Value", "value"),
    Column("Target met", _target_met, width=11),
    person_name("Recorded by", "recorded_by"),
    person_email("Recorded by e-mail", "recorded_by"),
    moment("Recorded at (UTC)", "recorded_at"),
)

register(
    Exportable(
        kind="milestones",
        title="Milestones",
        description="Every milestone with its phase, owner, due date, status and proof.",
        scope=ENGAGEMENT,
        rows=selectors.milestones_of_engagement,
        columns=MILESTONE_COLUMNS,
    )
)

register(
    Exportable(
        kind="kpi-measurements",
        title="KPI measurements",
        description="Every daily KPI value with its target and whether it met it.",
        scope=ENGAGEMENT,
        rows=selectors.measurements_of_engagement,
        columns=MEASUREMENT_COLUMNS,
    )
)

register(
    Exportable(
        kind="my-milestones",
        title="All my milestones",
        description="Every milestone of every engagement you can see, across engagements.",
        scope=PERSONAL,
        rows=selectors.milestones_of_my_engagements,
        columns=MILESTONE_COLUMNS,
    )
)

register(
    Exportable(
        kind="milestones-i-own",
        title="Milestones I own",
        description="Only the milestones you are the named owner of, across engagements.",
        scope=PERSONAL,
        rows=selectors.milestones_owned_by,
        columns=MILESTONE_COLUMNS,
    )
)

register(
    Exportable(
        kind="raid-register",
        title="RAID register",
        description="Risks, assumptions, actions, issues, decisions and exceptions, with "
        "owners, due dates and risk scores.",
        scope=ENGAGEMENT,
        rows=_raid_items,
        columns=(
            text("Engagement", "engagement.name", width=26),
            choice("Type", "kind", width=12),
            text("Title", "title", width=40),
            person_name("Owner", "owner"),
            person_email("Owner e-mail", "owner"),
            day("Due date", "due_date"),
            choice("Status", "status"),
            number("Probability", "probability", width=11),
            number("Impact", "impact", width=8),
            Column("Score", _risk_score, width=8),
            text("Response", "response", width=40),
            text("Decision rule", "decision_rule", width=40),
            text("Item ID", "public_id", width=38),
        ),
    )
)
