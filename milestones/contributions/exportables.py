"""The milestone exports: one engagement's, every engagement's the actor sees, and the ones
the actor owns (``kernel.exportables``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kernel.exportables import (
    ENGAGEMENT,
    PERSONAL,
    Column,
    Exportable,
    choice,
    day,
    moment,
    person_email,
    person_name,
    register,
    text,
    yes_no,
)
from milestones.models import Milestone

RELATIONS = ("engagement", "phase", "owner", "completed_by")

COLUMNS: tuple[Column, ...] = (
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


def milestones_of_engagement(*, actor: Any, engagement: Any) -> QuerySet[Milestone]:
    return (
        Milestone.objects.visible_to(actor)
        .filter(engagement=engagement)
        .select_related(*RELATIONS)
        .order_by("phase__position", "due_date", "id")
    )


def milestones_of_my_engagements(*, actor: Any) -> QuerySet[Milestone]:
    """Every milestone of every engagement the actor sees in the active tenant."""
    return (
        Milestone.objects.visible_to(actor)
        .select_related(*RELATIONS)
        .order_by("engagement__name", "engagement_id", "phase__position", "due_date", "id")
    )


def milestones_owned_by(*, actor: Any) -> QuerySet[Milestone]:
    return milestones_of_my_engagements(actor=actor).filter(owner=actor)


register(
    Exportable(
        kind="milestones",
        title="Milestones",
        description="Every milestone with its phase, owner, due date, status and proof.",
        scope=ENGAGEMENT,
        rows=milestones_of_engagement,
        columns=COLUMNS,
        position=10,
    )
)

register(
    Exportable(
        kind="my-milestones",
        title="All my milestones",
        description="Every milestone of every engagement you can see, across engagements.",
        scope=PERSONAL,
        rows=milestones_of_my_engagements,
        columns=COLUMNS,
        position=10,
    )
)

register(
    Exportable(
        kind="milestones-i-own",
        title="Milestones I own",
        description="Only the milestones you are the named owner of, across engagements.",
        scope=PERSONAL,
        rows=milestones_owned_by,
        columns=COLUMNS,
        position=20,
    )
)
