"""The RAID register export of an engagement (``kernel.exportables``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kernel.exportables import (
    ENGAGEMENT,
    Column,
    Exportable,
    choice,
    day,
    number,
    person_email,
    person_name,
    register,
    text,
)
from registers.models import RaidItem


def raid_items_of_engagement(*, actor: Any, engagement: Any) -> QuerySet[RaidItem]:
    """The engagement's register (already found through the actor's visibility)."""
    return (
        RaidItem.objects.visible_to(actor)
        .filter(engagement=engagement)
        .select_related("engagement", "owner")
        .order_by("due_date", "id")
    )


def _risk_score(item: Any) -> int | None:
    return item.score


register(
    Exportable(
        kind="raid-register",
        title="RAID register",
        description="Risks, assumptions, actions, issues, decisions and exceptions, with "
        "owners, due dates and risk scores.",
        scope=ENGAGEMENT,
        rows=raid_items_of_engagement,
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
        position=30,
    )
)
