"""The start dates of the roster's people, in the calendar feed of the members of their
engagement (``kernel.calendar``): a competing provider, who is not seated on it, never sees
them. People who left and erased people are not listed."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from engagements.models import EngagementMember
from kernel.calendar import CalendarEvent, CalendarKind, register
from roster.models import Person


def starts_in_my_engagements(*, user: Any) -> QuerySet[Person]:
    """People on the rosters of the engagements the person is seated on."""
    seats = EngagementMember.objects.filter(user=user)
    return (
        Person.objects.filter(
            engagement_id__in=seats.values("engagement_id"),
            status__in=Person.ON_ROSTER,
            erased_at=None,
        )
        .select_related("engagement", "wave")
        .order_by("start_date", "name", "id")
    )


def start_event(person: Person) -> CalendarEvent:
    engagement = person.engagement
    return CalendarEvent(
        public_id=person.public_id,
        day=person.start_date,
        summary=f"{engagement.name}: {person.name} starts ({person.role}, {person.wave.label})",
        details=(
            "Start date on the readiness roster.",
            f"Site: {person.site}" if person.site else "",
            f"Status: {person.get_status_display()}",
        ),
        path=reverse("roster:roster", args=[engagement.public_id]),
        engagement=engagement,
        category="Roster start",
        last_modified=person.updated_at,
    )


register(
    CalendarKind(key="roster-starts", position=50, rows=starts_in_my_engagements, event=start_event)
)
