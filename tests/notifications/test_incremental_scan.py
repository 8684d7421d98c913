"""Beat's repeat scan looks again only at what can have changed, and never loses a reminder.

A scan remembers which zone's day it covered for every tenant (``ScanMark``) and up to which
change-feed position each tenant's changes were in (``ScanCursor``). The next scan runs the
occasion statements only for zones on a new day, for tenants with new audit events, and for
everything again after a change the audit log does not see or after the full-scan interval.
"""

import datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milestones.models import Milestone
from milestones.services import update_milestone
from notifications.models import Kind, Reminder, ScanGeneration, ScanMark
from notifications.scan import run_scan
from notifications.services import update_preferences
from tests.notifications.conftest import at

RECORDING = "INSERT INTO notifications_reminder"


def recording_statements(queries) -> list[str]:
    return [query["sql"] for query in queries if RECORDING in query["sql"]]


def occasions_of(milestone: Milestone, kind: str) -> set[tuple[int, str]]:
    rows = Reminder._base_manager.filter(kind=kind, object_id=milestone.pk)
    return {(row.recipient_id, row.occasion_date.isoformat()) for row in rows}


def test_a_repeat_scan_with_nothing_changed_runs_no_occasion_statement(world, scan):
    first = scan(at("2026-01-08"))
    assert first.report.claimed > 0
    assert ScanMark.objects.get(zone="UTC").local_date == datetime.date(2026, 1, 8)

    with CaptureQueriesContext(connection) as queries:
        again = scan(at("2026-01-08", 8, 15))

    # The zones in use, the tenants' policies, the generation, the changed tenants, the
    # marks and the claim of rows due again: no occasion statement.
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 6
    assert recording_statements(queries) == []
    assert again.report.recorded == dict.fromkeys(Kind.values, 0)
    assert again.report.batches == []


def test_a_change_through_a_service_between_scans_is_picked_up_the_same_day(world, scan):
    scan(at("2026-01-08"))
    milestone = Milestone.objects.get(title="Dialer configured")
    assert (milestone.owner_id, "2026-01-08") in occasions_of(milestone, Kind.MILESTONE_DUE_SOON)
    moved = Milestone.objects.filter(status="not_started", due_date__gt="2026-01-12").first()
    assert occasions_of(moved, Kind.MILESTONE_DUE_SOON) == set()

    with time_machine.travel(at("2026-01-08", 8, 5), tick=False):
        update_milestone(actor=world.pmo, milestone=moved, due_date=datetime.date(2026, 1, 9))
    with CaptureQueriesContext(connection) as queries:
        scan(at("2026-01-08", 8, 15))

    assert occasions_of(moved, Kind.MILESTONE_DUE_SOON) == {(moved.owner_id, "2026-01-08")}
    # Only the changed tenant was looked at again, over the zones already covered.
    assert recording_statements(queries)
    assert all("AND e.tenant_id IN (" in sql for sql in recording_statements(queries))


def test_raid_items_and_drift_alerts_opened_between_scans_count_the_same_day(world, scan):
    from registers.services import create_raid_item
    from reporting.models import DriftAlert
    from tests.reporting.test_drift import load

    scan(at("2026-11-25"))
    with time_machine.travel(at("2026-11-25", 8, 5), tick=False):
        item = create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind="issue",
            title="Badge readers offline",
            owner=world.client_staff,
            due_date=datetime.date(2026, 11, 26),
        )
        load(world, "contact-rate", ["34", "33", "29"])
    [alert] = DriftAlert.objects.filter(ended_week__isnull=True)
    scan(at("2026-11-25", 8, 15))

    soon = Reminder.objects.filter(kind=Kind.RAID_DUE_SOON, object_id=item.pk)
    assert {(row.recipient_id, row.occasion_date.isoformat()) for row in soon} == {
        (world.client_staff.pk, "2026-11-25")
    }
    assert Reminder.objects.filter(kind=Kind.DRIFT_ALERT, object_id=alert.pk).exists()


def test_a_new_local_day_is_scanned_again_for_every_tenant(world, scan):
    late = Milestone.objects.get(title="Campaign rules defined")  # due 7 January
    scan(at("2026-01-08"))
    scan(at("2026-01-08", 23, 45))  # nothing changed, same day: nothing new
    scan(at("2026-01-09", 8, 0))  # the next day is past 08:00 in UTC

    days = {day for _who, day in occasions_of(late, Kind.MILESTONE_OVERDUE)}
    assert days == {"2026-01-08", "2026-01-09"}


def test_a_time_zone_changed_on_the_preferences_page_is_picked_up(world, scan):
    """The change writes no audit event: it voids every mark, so the next scan covers all."""
    late = Milestone.objects.get(title="Campaign rules defined")  # due 7 January
    owner = late.owner
    # Someone already lives in Tokyo: its day (9 January at 08:30) is covered at 23:30 UTC.
    other = world.provider_staff if owner != world.provider_staff else world.client_staff
    update_preferences(actor=other, daily_digest=False, email_off=[], time_zone="Asia/Tokyo")
    scan(at("2026-01-08", 23, 30))
    assert ScanMark.objects.get(zone="Asia/Tokyo").local_date == datetime.date(2026, 1, 9)
    assert {day for _who, day in occasions_of(late, Kind.MILESTONE_OVERDUE)} == {"2026-01-08"}

    with time_machine.travel(at("2026-01-08", 23, 40), tick=False):
        update_preferences(actor=owner, daily_digest=False, email_off=[], time_zone="Asia/Tokyo")
    scan(at("2026-01-08", 23, 45))

    # Its owner's day is now Tokyo's 9 January: overdue there, reminded at once.
    assert (owner.pk, "2026-01-09") in occasions_of(late, Kind.MILESTONE_OVERDUE)


def test_a_change_made_outside_the_services_is_picked_up_by_the_periodic_full_scan(
    world, scan, settings
):
    settings.REMINDER_FULL_SCAN_SECONDS = 3600
    scan(at("2026-01-08"))
    moved = Milestone.objects.filter(status="not_started", due_date__gt="2026-01-12").first()
    # A raw update writes no audit event (no service does this; a shell or a script might).
    Milestone.objects.filter(pk=moved.pk).update(due_date=datetime.date(2026, 1, 9))

    scan(at("2026-01-08", 8, 45))
    assert occasions_of(moved, Kind.MILESTONE_DUE_SOON) == set()
    scan(at("2026-01-08", 9, 0))  # the marks are an hour old: every zone in full again
    assert occasions_of(moved, Kind.MILESTONE_DUE_SOON) == {(moved.owner_id, "2026-01-08")}


def test_a_full_scan_ignores_the_marks(world, scan):
    scan(at("2026-01-08"))
    with CaptureQueriesContext(connection) as queries:
        run_scan(now=at("2026-01-08", 8, 15), dispatch=lambda batch: None)
    assert len(recording_statements(queries)) == len(Kind.values)


def test_only_saves_that_may_move_a_persons_day_void_the_marks(world):
    def generation():
        return ScanGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0

    start = generation()
    world.client_staff.save(update_fields=["last_login"])  # a login
    assert generation() == start
    world.client_staff.is_active = False
    world.client_staff.save()  # the Django admin saves every field
    world.tenant.time_zone = "Europe/Paris"
    world.tenant.save(update_fields=["time_zone"])
    assert generation() == start + 2
