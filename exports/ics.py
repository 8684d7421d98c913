"""A person's calendar feed (iCalendar, RFC 5545) in one tenant.

It holds what the domains register in ``kernel.registry.calendar_events``
(``<app>/contributions/calendar.py``, item type ``kernel.calendar.CalendarKind``): the
milestones and RAID items they own (on the due date), the gates of the engagements they are a
member of (at the planned end of the phase), and the reviews of the engagements where they
are a lead or PMO (on the scheduled date).

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
from collections.abc import Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from accounts.models import Tenant, User
from engagements.models import Engagement
from kernel.calendar import CalendarEvent, calendar_kinds

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


def _all_day(fields: CalendarEvent, *, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", _uid(fields.public_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", fields.day)
    event.add("dtend", fields.day + datetime.timedelta(days=1))
    event.add("summary", fields.summary)
    lines = [line for line in fields.details if line]
    event.add(
        "description", "\n".join([*lines, f"Engagement: {_engagement_url(fields.engagement)}"])
    )
    event.add("url", absolute(fields.path))
    event.add("categories", [fields.category])
    event.add("transp", "TRANSPARENT")
    if fields.last_modified is not None:
        event.add("last-modified", fields.last_modified)
    if fields.status is not None:
        event.add("status", fields.status)
    return event


def events_of(*, user: User, stamp: datetime.datetime) -> Iterator[Event]:
    """The person's events in the active tenant: every registered kind, in its position."""
    for kind in calendar_kinds():
        for row in kind.rows(user=user):
            yield _all_day(kind.event(row), stamp=stamp)


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
    for event in events_of(user=user, stamp=stamp):
        calendar.add_component(event)
    return calendar.to_ical()
