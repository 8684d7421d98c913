"""The reviews of the engagements where a person runs them, on their scheduled dates, in the
person's calendar feed (``kernel.calendar``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from engagements.models import EngagementMember
from kernel.calendar import CalendarEvent, CalendarKind, register
from reporting.models import Review


def reviews_i_run(*, user: Any) -> QuerySet[Review]:
    """Reviews of the engagements where the person is a lead, or on the PMO side (not as a
    viewer): the people who run a review."""
    running = EngagementMember.objects.filter(user=user).filter(
        Q(role=EngagementMember.Role.LEAD)
        | Q(side=EngagementMember.Side.PMO, role=EngagementMember.Role.MEMBER)
    )
    return (
        Review.objects.filter(engagement_id__in=running.values("engagement_id"))
        .select_related("engagement")
        .order_by("scheduled_on", "id")
    )


def review_event(review: Review) -> CalendarEvent:
    engagement = review.engagement
    return CalendarEvent(
        public_id=review.public_id,
        day=review.scheduled_on,
        summary=f"{engagement.name}: Day-{review.day} review \N{EN DASH} {review.title}",
        details=(review.focus, f"Status: {review.get_status_display()}"),
        path=reverse("reporting:review", args=[engagement.public_id, review.public_id]),
        engagement=engagement,
        category="Review",
    )


register(CalendarKind(key="reviews", position=40, rows=reviews_i_run, event=review_event))
