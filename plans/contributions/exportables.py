"""The plan export: one engagement's milestones in the columns a plan file is imported from,
so export → edit → import re-plans the engagement (``plans.services``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from kernel.exportables import (
    ENGAGEMENT,
    Column,
    Exportable,
    choice,
    computed,
    day,
    person_email,
    register,
    text,
)
from milestones.models import Milestone


def plan_id(milestone: Milestone) -> str:
    """How a plan file names a milestone: its external id, or its own id when it has none."""
    return milestone.external_id or str(milestone.public_id)


def _depends_on(milestone: Milestone) -> str:
    return ", ".join(sorted(plan_id(other) for other in milestone.depends_on.all()))


COLUMNS: tuple[Column, ...] = (
    choice("Phase", "phase.kind", width=18),
    text("Milestone", "title", width=40),
    person_email("Owner e-mail", "owner"),
    choice("Side", "side", width=10),
    day("Due date", "due_date"),
    computed("Depends on", _depends_on, width=30),
    computed("Evidence required", lambda m: "yes" if m.evidence_required else "no", width=10),
    computed("External ID", plan_id, width=38),
)


def plan_of_engagement(*, actor: Any, engagement: Any) -> QuerySet[Milestone]:
    return (
        Milestone.objects.visible_to(actor)
        .filter(engagement=engagement)
        .select_related("phase", "owner")
        .prefetch_related(
            Prefetch(
                "depends_on", queryset=Milestone.objects.only("id", "external_id", "public_id")
            )
        )
        .order_by("phase__position", "due_date", "id")
    )


register(
    Exportable(
        kind="plan",
        title="Plan",
        description=(
            "The plan in the import format (phase, milestone, owner, side, due date, "
            "dependencies, external id): edit it and import it to re-plan."
        ),
        scope=ENGAGEMENT,
        rows=plan_of_engagement,
        columns=COLUMNS,
        position=35,
    )
)
