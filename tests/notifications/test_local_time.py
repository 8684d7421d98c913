"""Reminders go out at 08:00 where the person is: before it nothing, from it once."""

import datetime

import pytest

from milestones.models import Milestone
from milestones.services import update_milestone
from notifications.models import Kind, Reminder
from notifications.services import update_preferences
from tests.notifications.conftest import at, mails_to

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def credentials(world):
    """“Lead-source credentials issued”, owned by the client staff member, due 9 January."""
    return Milestone.objects.get(title="Lead-source credentials issued")


def one_day_reminders(milestone, person, day: str) -> int:
    return Reminder.objects.filter(
        kind=Kind.MILESTONE_DUE_SOON, object_id=milestone.pk, recipient=person, occasion_date=day
    ).count()


def one_day_mails(person) -> int:
    return len([m for m in mails_to(person) if "Lead-source" in m.subject and "1 day" in m.subject])


@pytest.mark.parametrize(
    ("zone", "due", "eight_there"),
    [
        ("Europe/London", "2026-01-09", at("2026-01-08", 8)),
        ("America/Los_Angeles", "2026-01-09", at("2026-01-08", 16)),
        # Across the date line: New Zealand's summer time (UTC+13) and Kiribati's UTC+14 are
        # on 8 January while it is still the 7th in UTC.
        ("Pacific/Auckland", "2026-01-09", at("2026-01-07", 19)),
        ("Pacific/Kiritimati", "2026-01-09", at("2026-01-07", 18)),
        # Days when the clocks change: New York springs forward on 8 March 2026 (08:00 is
        # 12:00 UTC, not 13:00), London on 29 March (07:00 UTC), Auckland falls back on
        # 5 April (08:00 NZST is 20:00 UTC the day before, not 19:00).
        ("America/New_York", "2026-03-09", at("2026-03-08", 12)),
        ("Europe/London", "2026-03-30", at("2026-03-29", 7)),
        ("Pacific/Auckland", "2026-04-06", at("2026-04-04", 20)),
    ],
)
def test_a_reminder_goes_at_08_00_in_the_persons_time_zone(
    world, credentials, scan, zone, due, eight_there
):
    person = world.client_staff
    update_preferences(actor=person, daily_digest=False, email_off=[], time_zone=zone)
    update_milestone(
        actor=world.pmo, milestone=credentials, due_date=datetime.date.fromisoformat(due)
    )
    the_day = (datetime.date.fromisoformat(due) - datetime.timedelta(days=1)).isoformat()

    scan(eight_there - MINUTE)
    assert one_day_reminders(credentials, person, the_day) == 0

    scan(eight_there)
    scan(eight_there + 3 * datetime.timedelta(hours=1))  # the scans later that day
    assert one_day_reminders(credentials, person, the_day) == 1
    assert one_day_mails(person) == 1


def test_a_person_without_a_time_zone_follows_the_tenants(world, credentials, scan):
    world.tenant.time_zone = "Asia/Tokyo"  # UTC+9
    world.tenant.save()
    person = world.client_staff
    assert person.time_zone == ""

    scan(at("2026-01-07", 22, 59))
    assert one_day_reminders(credentials, person, "2026-01-08") == 0
    scan(at("2026-01-07", 23))  # 08:00 on 8 January in Tokyo
    assert one_day_reminders(credentials, person, "2026-01-08") == 1


def test_each_person_gets_it_on_their_own_morning(world, scan):
    """A review reaches three people in three zones, each at their own 08:00."""
    from reporting.models import Review

    review = Review.objects.get(day=14)  # 19 January: reminders on the 16th
    for person, zone in (
        (world.pmo, "Pacific/Auckland"),
        (world.client_lead, "Europe/London"),
        (world.provider_lead, "America/New_York"),
    ):
        update_preferences(actor=person, daily_digest=False, email_off=[], time_zone=zone)

    def reached():
        rows = Reminder.objects.filter(kind=Kind.REVIEW_UPCOMING, object_id=review.pk)
        return {row.recipient.username for row in rows}

    scan(at("2026-01-15", 19))  # 08:00 on the 16th in Auckland
    assert reached() == {world.pmo.username}
    scan(at("2026-01-16", 8))
    assert reached() == {world.pmo.username, world.client_lead.username}
    scan(at("2026-01-16", 13))
    assert reached() == {
        world.pmo.username,
        world.client_lead.username,
        world.provider_lead.username,
    }
