"""A notification's words are true on the day it is read, in the reader's time zone: made as
"is due in 1 day", two days later it reads "is 1 day overdue"."""

from __future__ import annotations

import datetime
import html
import re

import time_machine
from django.test import Client

from kernel.occasions import due_phrase
from notifications.models import Kind, Notification
from tests.notifications.conftest import at


def shown_titles(user) -> dict[str, str]:
    """Each notification's title as the centre shows it, by public id."""
    client = Client()
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    rows = re.findall(
        r'id="notification-([0-9a-f-]+)".*?<a class="fw-semibold" href="[^"]*">([^<]+)</a>',
        page,
        re.S,
    )
    return {public_id: html.unescape(title) for public_id, title in rows}


def a_reminder_due_in_one_day(world, scan) -> Notification:
    scan(at("2026-01-08"))
    made = (
        Notification.objects.select_related("recipient")
        .filter(kind=Kind.MILESTONE_DUE_SOON, title__endswith="in 1 day")
        .first()
    )
    assert made is not None and made.due_on == datetime.date(2026, 1, 9)
    return made


def test_a_due_soon_notification_reads_true_on_each_day(world, scan):
    made = a_reminder_due_in_one_day(world, scan)
    subject, reader = made.subject, made.recipient
    assert made.title == f"{subject} is due in 1 day"

    with time_machine.travel(at("2026-01-08", 18), tick=False):
        assert shown_titles(reader)[str(made.public_id)] == f"{subject} is due in 1 day"
    with time_machine.travel(at("2026-01-09", 9), tick=False):
        assert shown_titles(reader)[str(made.public_id)] == f"{subject} is due today"
    with time_machine.travel(at("2026-01-10", 9), tick=False):
        assert shown_titles(reader)[str(made.public_id)] == f"{subject} is 1 day overdue"
        page = Client()
        page.force_login(reader)
        words = html.unescape(page.get("/notifications/").content.decode())
        assert f"{subject} is due in 1 day" not in words
        assert "its due date is Friday 09 January 2026" in words
    with time_machine.travel(at("2026-01-12", 9), tick=False):
        assert shown_titles(reader)[str(made.public_id)] == f"{subject} is 3 days overdue"


def test_the_day_is_the_readers_own(world, scan):
    made = a_reminder_due_in_one_day(world, scan)
    subject, reader = made.subject, made.recipient
    # 12:00 UTC on the due date is already the next day in Auckland.
    with time_machine.travel(at("2026-01-09", 12), tick=False):
        reader.time_zone = "UTC"
        reader.save(update_fields=["time_zone"])
        assert shown_titles(reader)[str(made.public_id)] == f"{subject} is due today"
        reader.time_zone = "Pacific/Auckland"
        reader.save(update_fields=["time_zone"])
        assert shown_titles(reader)[str(made.public_id)] == f"{subject} is 1 day overdue"


def test_the_phrases_for_each_distance():
    due = datetime.date(2026, 12, 6)
    phrases = {
        days: due_phrase(due_on=due, today=due - datetime.timedelta(days=days))
        for days in (3, 1, 0, -1, -4)
    }
    assert phrases == {
        3: "is due in 3 days",
        1: "is due in 1 day",
        0: "is due today",
        -1: "is 1 day overdue",
        -4: "is 4 days overdue",
    }
    events = [
        due_phrase(due_on=due, today=due - datetime.timedelta(days=days), event=True)
        for days in (3, 1, 0, -1, -2)
    ]
    assert events == ["in 3 days", "in 1 day", "today", "was 1 day ago", "was 2 days ago"]
