"""A notification's title as it reads today: a reminder about a date says how far that date is
from the reader's today ("is due in 1 day", "is 1 day overdue"), worked out when it is read,
never frozen on the day it was made."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.utils import timezone

from kernel.occasions import due_phrase
from notifications.models import Kind, Notification

# Reminders of an event on a date (not of something due on it).
EVENTS = {Kind.REVIEW_UPCOMING}


def title_on(notification: Notification, *, today: datetime.date) -> str:
    if notification.due_on is None or not notification.subject:
        return notification.title
    phrase = due_phrase(due_on=notification.due_on, today=today, event=notification.kind in EVENTS)
    return f"{notification.subject} {phrase}"


def reader_today(time_zone: str) -> datetime.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(time_zone))


def word_for_reader(notifications: Iterable[Notification], *, time_zone: str) -> None:
    """Set ``title_now`` on each notification: its title on the reader's today."""
    today = reader_today(time_zone)
    for notification in notifications:
        notification.title_now = title_on(notification, today=today)
