"""The gates of the engagements a person is a member of, at the planned end of their phase,
in the person's calendar feed (``kernel.calendar``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from engagements.models import EngagementMember
from governance.models import Gate
from kernel.calendar import CalendarEvent, CalendarKind, register


def gates_of_my_engagements(*, user: Any) -> QuerySet[Gate]:
    """Gates of the engagements the person is a member of (seated on)."""
    seats = EngagementMember.objects.filter(user=user)
    return (
        Gate.objects.filter(engagement_id__in=seats.values("engagement_id"))
        .select_related("engagement", "phase")
        .order_by("phase__planned_end", "id")
    )


def gate_event(gate: Gate) -> CalendarEvent:
    engagement = gate.engagement
    return CalendarEvent(
        public_id=gate.public_id,
        day=gate.phase.planned_end,
        summary=f"{engagement.name}: {gate.name}",
        details=(
            f"Gate at the planned end of the {gate.phase.get_kind_display()} phase.",
            f"Status: {gate.get_status_display()}",
        ),
        path=reverse("governance:gate", args=[engagement.public_id, gate.public_id]),
        engagement=engagement,
        category="Gate",
    )


register(CalendarKind(key="gates", position=30, rows=gates_of_my_engagements, event=gate_event))
