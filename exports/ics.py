"""A person's calendar feed (iCalendar, RFC 5545) in one tenant.

It holds the milestones and RAID items they own (on the due date), the gates of the
engagements they are a member of (at the planned end of the phase), and the reviews of the
engagements where they are a lead or PMO (on the scheduled date).

Each item is an all-day VEVENT, not a VTODO: Google Calendar and Outlook show only events
from a subscribed feed and drop VTODOs, and Apple Calendar files VTODOs away in Reminders;
an all-day event shows on the day in every client. Items are marked TRANSPARENT so that they
do not block anyone's free/busy time, and a cancelled milestone is STATUS:CANCELLED, so a
client that already shows it takes it off.

Time zones: every item is a date in its engagement's calendar (due dates, phase ends and
review days are dates, never times), and an all-day date is the same day wherever the
reader is, so the feed needs no VTIMEZONE and uses no TZID. The only times are DTSTAMP and
LAST-MODIFIED, which RFC 5545 requires in UTC.

UIDs are ``<public_id>@bpo-transition``: stable across refreshes and regenerated links, so a
client updates an item in place when its date or title changes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from accounts.models import Tenant, User
from engagements.models import Engagement
from exports import selectors
from governance.models import Gate
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import Review

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODUCT_ID = "-//BPO Transition//Calendar feed//EN"
UID_DOMAIN = "bpo-transition"
# How often a client should fetch the feed again (clients may ignore it).
REFRESH_INTERVAL = datetime.timedelta(hours=1)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def feed_url(token: str) -> str:
    return absolute(reverse("exports:calendar-feed", args=[token]))


def _uid(public_id) -> str:
    return f"{public_id}@{UID_DOMAIN}"


def _engagement_url(engagement: Engagement) -> str:
    return absolute(reverse("engagements:detail", args=[engagement.public_id]))


def _all_day(
    *,
    public_id,
    day: datetime.date,
    summary: str,
    details: list[str],
    url: str,
    engagement: Engagement,
    category: str,
    stamp: datetime.datetime,
) -> Event:
    event = Event()
    event.add("uid", _uid(public_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    lines = [line for line in details if line]
    event.add("description", "\n".join([*lines, f"Engagement: {_engagement_url(engagement)}"]))
    event.add("url", url)
    event.add("categories", [category])
    event.add("transp", "TRANSPARENT")
    return event


def milestone_event(milestone: Milestone, *, stamp: datetime.datetime) -> Event:
    engagement = milestone.engagement
    event = _all_day(
        public_id=milestone.public_id,
        day=milestone.due_date,
        summary=f"{engagement.name}: {milestone.title}",
        details=[
            f"Milestone due in the {milestone.phase.get_kind_display()} phase.",
            f"Status: {milestone.get_status_display()} · Side: {milestone.get_side_display()}",
        ],
        url=absolute(
            reverse("milestones:detail", args=[engagement.public_id, milestone.public_id])
        ),
        engagement=engagement,
        category="Milestone",
        stamp=stamp,
    )
    event.add("last-modified", milestone.updated_at)
    if milestone.status == Milestone.Status.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def raid_item_event(item: RaidItem, *, stamp: datetime.datetime) -> Event:
    engagement = item.engagement
    what = item.get_kind_display()
    event = _all_day(
        public_id=item.public_id,
        day=item.due_date,
        summary=f"{engagement.name}: {what} \N{EN DASH} {item.title}",
        details=[
            f"{what} you own in the RAID register.",
            f"Status: {item.get_status_display()}",
        ],
        url=absolute(reverse("registers:item", args=[engagement.public_id, item.public_id])),
        engagement=engagement,
        category="RAID item",
        stamp=stamp,
    )
    event.add("last-modified", item.updated_at)
    return event


def gate_event(gate: Gate, *, stamp: datetime.datetime) -> Event:
    engagement = gate.engagement
    return _all_day(
        public_id=gate.public_id,
        day=gate.phase.planned_end,
        summary=f"{engagement.name}: {gate.name}",
        details=[
            f"Gate at the planned end of the {gate.phase.get_kind_display()} phase.",
            f"Status: {gate.get_status_display()}",
        ],
        url=absolute(reverse("governance:gate", args=[engagement.public_id, gate.public_id])),
        engagement=engagement,
        category="Gate",
        stamp=stamp,
    )


def review_event(review: Review, *, stamp: datetime.datetime) -> Event:
    engagement = review.engagement
    return _all_day(
        public_id=review.public_id,
        day=review.scheduled_on,
        summary=f"{engagement.name}: Day-{review.day} review \N{EN DASH} {review.title}",
        details=[review.focus, f"Status: {review.get_status_display()}"],
        url=absolute(reverse("reporting:review", args=[engagement.public_id, review.public_id])),
        engagement=engagement,
        category="Review",
        stamp=stamp,
    )


def build_calendar(*, user: User, tenant: Tenant) -> bytes:
    """The feed of ``user`` in ``tenant``; call it inside that tenant's context."""
    stamp = timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"BPO Transition · {tenant.name}")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    events: Iterable[Event] = [
        *(milestone_event(m, stamp=stamp) for m in selectors.calendar_milestones(user=user)),
        *(raid_item_event(i, stamp=stamp) for i in selectors.calendar_raid_items(user=user)),
        *(gate_event(g, stamp=stamp) for g in selectors.calendar_gates(user=user)),
        *(review_event(r, stamp=stamp) for r in selectors.calendar_reviews(user=user)),
    ]
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()
