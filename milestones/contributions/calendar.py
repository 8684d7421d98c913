"""The milestones a person owns, on their due dates, in the person's calendar feed
(``kernel.calendar``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from kernel.calendar import CalendarEvent, CalendarKind, register
from milestones.models import Milestone


def milestones_owned_by(*, user: Any) -> QuerySet[Milestone]:
    """Milestones the person owns, in engagements they still see (the active tenant's)."""
    return (
        Milestone.objects.visible_to(user)
        .filter(owner=user)
        .select_related("engagement", "phase")
        .order_by("due_date", "id")
    )


def milestone_event(milestone: Milestone) -> CalendarEvent:
    engagement = milestone.engagement
    return CalendarEvent(
        public_id=milestone.public_id,
        day=milestone.due_date,
        summary=f"{engagement.name}: {milestone.title}",
        details=(
            f"Milestone due in the {milestone.phase.get_kind_display()} phase.",
            f"Status: {milestone.get_status_display()} · Side: {milestone.get_side_display()}",
        ),
        path=reverse("milestones:detail", args=[engagement.public_id, milestone.public_id]),
        engagement=engagement,
        category="Milestone",
        last_modified=milestone.updated_at,
        status="CANCELLED" if milestone.status == Milestone.Status.CANCELLED else None,
    )


register(
    CalendarKind(key="milestones", position=10, rows=milestones_owned_by, event=milestone_event)
)
