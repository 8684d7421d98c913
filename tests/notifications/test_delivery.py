"""Exactly once: repeated scans, repeated tasks, failing mail servers, people who left."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from engagements.models import EngagementMember
from engagements.services import delete_seats
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from notifications import delivery, tasks
from notifications.models import Kind, Notification, Reminder
from notifications.scan import Batch, claim_due_reminders, run_scan, sweep
from tests.notifications.conftest import at, deliver, mails_to
from tests.notifications.mail import (
    ConnectionRecordingBackend,
    FlakyBackend,
    LedgerCheckingBackend,
)


def test_a_second_scan_and_a_repeated_batch_send_nothing_more(world, scan):
    first = scan(at("2026-01-08"))
    sent, notified = len(mail.outbox), Notification.objects.count()
    assert sent == first.report.claimed > 0 and notified == sent

    again = scan(at("2026-01-08", 8, 15))  # beat fires again in the same minute's window
    assert again.report.recorded == dict.fromkeys(Kind.values, 0)
    for batch in first.report.batches:  # the broker hands every batch out a second time
        deliver(batch)
    with time_machine.travel(at("2026-01-08", 9), tick=False):  # and its lease has ended
        assert claim_due_reminders(now=at("2026-01-08", 9)) == []

    assert len(mail.outbox) == sent and Notification.objects.count() == notified
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_nothing_is_marked_sent_before_it_was_sent(world, scan, settings):
    settings.EMAIL_BACKEND = "tests.notifications.mail.LedgerCheckingBackend"
    LedgerCheckingBackend.seen = []
    scan(at("2026-01-08"))
    assert LedgerCheckingBackend.seen and set(LedgerCheckingBackend.seen) == {"pending"}


def test_a_send_that_fails_twice_is_sent_once_on_the_third_try(world, scan, settings):
    settings.EMAIL_BACKEND = "tests.notifications.mail.FlakyBackend"
    settings.REMINDER_DELIVERY_LEASE_SECONDS = 600  # ten minutes, for round numbers below
    FlakyBackend.failures, FlakyBackend.tries = 2, 0
    person = world.client_staff
    credentials = Milestone.objects.get(title="Lead-source credentials issued")

    def ledger():
        return Reminder.objects.get(
            kind=Kind.MILESTONE_DUE_SOON, object_id=credentials.pk, occasion_date="2026-01-08"
        )

    only_credentials = [credentials.pk]
    Milestone.objects.exclude(pk__in=only_credentials).update(status="done")
    scan(at("2026-01-08", 8))
    row = ledger()
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert "SMTPServerDisconnected" in row.last_error
    # Backoff: 1 minute, plus the lease the task's own retry has before the scan steps in.
    assert row.next_attempt_at == at("2026-01-08", 8) + datetime.timedelta(seconds=60 + 600)
    assert Notification.objects.filter(recipient=person).count() == 1  # in the app at once

    scan(at("2026-01-08", 8, 10))  # too early for the next try
    assert ledger().attempts == 1
    scan(at("2026-01-08", 8, 11))  # second try fails; then 2 minutes + lease
    assert (ledger().attempts, ledger().status) == (2, "pending")
    scan(at("2026-01-08", 8, 30))  # third try
    row = ledger()
    assert (row.status, row.attempts, row.sent_at) == ("sent", 3, at("2026-01-08", 8, 30))
    assert row.last_error == ""
    assert FlakyBackend.tries == 3
    assert len(mails_to(person)) == 1
    assert Notification.objects.filter(recipient=person).count() == 1


def test_the_delivery_task_retries_a_failed_send_with_a_growing_delay(world, settings):
    settings.EMAIL_BACKEND = "tests.notifications.mail.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.tries = 2, 0
    Milestone.objects.exclude(title="Lead-source credentials issued").update(status="done")
    batches = []
    with time_machine.travel(at("2026-01-08"), tick=False):
        run_scan(now=at("2026-01-08"), dispatch=batches.append)
        [batch] = batches
        delays = []
        original = tasks.deliver_reminders.retry

        def retry(*args, **kwargs):
            delays.append(kwargs["countdown"])
            return original(*args, **kwargs)

        tasks.deliver_reminders.retry = retry
        try:
            result = tasks.deliver_reminders.apply(
                kwargs={"tenant_id": batch.tenant_id, "reminder_ids": list(batch.reminder_ids)}
            )
        finally:
            del tasks.deliver_reminders.retry
    assert result.get() == {"sent": 1, "skipped": 0, "failed": 0}
    assert delays == [60, 120]
    [row] = Reminder.objects.filter(status="sent")
    assert row.attempts == 3 and len(mail.outbox) == 1


def test_a_person_removed_from_the_engagement_gets_nothing_more(world, scan):
    person = world.client_staff
    seat = EngagementMember.objects.get(engagement=world.engagement, user=person)
    batches = []
    with time_machine.travel(at("2026-01-08"), tick=False):
        run_scan(now=at("2026-01-08"), dispatch=batches.append)
    theirs = Reminder.objects.filter(recipient=person)
    assert theirs.exists()

    delete_seats(actor=world.pmo, seats=[seat])  # between the scan and the send
    for batch in batches:
        deliver(batch)
    assert mails_to(person) == []
    assert not Notification.objects.filter(recipient=person).exists()
    assert {(row.status, row.skipped_reason) for row in theirs} == {
        ("skipped", "the recipient no longer owns the milestone here")
    }
    scan(at("2026-01-09"))
    assert not Reminder.objects.filter(recipient=person, occasion_date="2026-01-09").exists()
    assert mails_to(world.client_lead)  # the others still get theirs


def test_a_scan_never_names_another_tenants_objects(world, other_world, scan):
    scan(at("2026-01-08"))
    assert {r.tenant_id for r in Reminder._base_manager.all()} == {
        world.tenant.pk,
        other_world.tenant.pk,
    }
    for tenant_world, other in ((world, other_world), (other_world, world)):
        with tenant_context(tenant_world.tenant):
            people = {getattr(tenant_world, name).email for name in ("pmo", "client_lead")}
            people |= {tenant_world.client_staff.email, tenant_world.provider_lead.email}
            for message in [m for m in mail.outbox if m.to[0] in people]:
                text = message.subject + message.body + message.alternatives[0][0]
                assert tenant_world.tenant.name in message.subject
                assert str(tenant_world.engagement.public_id) in text
                assert other.tenant.name not in text and other.engagement.name not in text
                assert str(other.engagement.public_id) not in text
            mine = Notification.objects.all()
            assert {n.engagement_id for n in mine} == {tenant_world.engagement.pk}


def test_a_task_sent_with_another_tenants_reminders_delivers_nothing(world, other_world):
    batches = []
    with time_machine.travel(at("2026-01-08"), tick=False):
        run_scan(now=at("2026-01-08"), dispatch=batches.append)
        theirs = [b for b in batches if b.tenant_id == other_world.tenant.pk]
        forged = [pk for batch in theirs for pk in batch.reminder_ids]
        result = tasks.deliver_reminders.apply(
            kwargs={"tenant_id": world.tenant.pk, "reminder_ids": forged}
        )
    assert result.get() == {"sent": 0, "skipped": 0, "failed": 0}
    assert mail.outbox == []
    assert set(Reminder._base_manager.filter(pk__in=forged).values_list("status", flat=True)) == {
        "pending"
    }


def test_a_task_without_a_tenant_is_refused(world):
    with pytest.raises(ValueError, match="without a tenant id"):
        tasks.deliver_reminders.apply(kwargs={"tenant_id": 0, "reminder_ids": [1]}).get()


def test_a_delivery_is_sent_with_its_tenant_and_checked_arguments(world):
    with pytest.raises(ValueError, match="needs a tenant_id"):
        tasks.deliver_reminders.apply_async(kwargs={"reminder_ids": [1]})
    with pytest.raises(TypeError, match="reminder_ids"):
        tasks.deliver_reminders.apply_async(kwargs={"tenant_id": world.tenant.pk})


def test_a_batch_uses_one_mail_connection_closed_only_after_every_row_is_marked_sent(
    world, scan, settings
):
    """The window in which a killed worker sends a message twice: between the mail server's
    acceptance and the ledger's commit, never a QUIT (a slow server's seconds) in between."""
    settings.EMAIL_BACKEND = "tests.notifications.mail.ConnectionRecordingBackend"
    ConnectionRecordingBackend.events = []
    run = scan(at("2026-01-08"))
    events = ConnectionRecordingBackend.events
    assert len(run.report.batches) >= 1 and len(run.sent) > len(run.report.batches)
    assert [event[0] for event in events if event[0] != "send"] == ["open", "close"] * len(
        run.report.batches
    )
    assert all(event[1] == ["sent"] for event in events if event[0] == "close")


def test_a_resent_reminder_carries_the_same_message_id(world, scan):
    """A worker killed after the server accepted a message but before the ledger commit sends
    it again after the restart: the same Message-ID, so mail systems see one message."""
    first = scan(at("2026-01-08"))
    row = first.sent[0]
    original = [
        m for m in mail.outbox if m.extra_headers["Message-ID"].startswith(f"<reminder-{row.pk}@")
    ]
    assert len(original) == 1
    # What a crash between the send and the commit leaves: the row still pending.
    Reminder.objects.filter(pk=row.pk).update(status="pending", sent_at=None)
    mail.outbox.clear()
    deliver(Batch(row.tenant_id, (row.pk,)))
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [
        original[0].extra_headers["Message-ID"]
    ]


def test_the_sweep_hands_out_only_rows_whose_lease_ended(world, settings):
    settings.REMINDER_DELIVERY_LEASE_SECONDS = 60
    dispatched = []
    with time_machine.travel(at("2026-01-08"), tick=False):
        run_scan(now=at("2026-01-08"), dispatch=dispatched.append)  # the worker died
    rows = {row for batch in dispatched for row in batch.reminder_ids}
    assert rows and Reminder.objects.filter(status="pending").count() == len(rows)

    swept = []
    sweep(now=at("2026-01-08", 8, 0) + datetime.timedelta(seconds=59), dispatch=swept.append)
    assert swept == []  # still leased to the worker that took them
    later = at("2026-01-08", 8, 1) + datetime.timedelta(seconds=1)
    sweep(now=later, dispatch=swept.append)
    assert {row for batch in swept for row in batch.reminder_ids} == rows
    again = []
    sweep(now=later, dispatch=again.append)
    assert again == []  # claimed by that sweep: a second sweep does not hand them out too

    with time_machine.travel(later, tick=False):
        for batch in swept:
            deliver(batch)
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    sweep(now=later + datetime.timedelta(hours=1), dispatch=again.append)
    assert again == []


def test_a_long_batch_keeps_its_rows_out_of_the_sweep_while_it_works(world, settings):
    """A live worker's batch outlasting the lease is not handed to a second worker."""
    settings.REMINDER_DELIVERY_LEASE_SECONDS = 60
    dispatched = []
    with time_machine.travel(at("2026-01-08"), tick=False):
        run_scan(now=at("2026-01-08"), dispatch=dispatched.append)
    batch = max(dispatched, key=lambda b: len(b.reminder_ids))
    assert len(batch.reminder_ids) >= 2
    seen_by_sweep = []
    start = at("2026-01-08", 8, 5)

    # Each send takes 40 s of the clock: the batch takes longer than the lease.
    with time_machine.travel(start, tick=False) as clock:
        original = delivery._deliver_one

        def slow(reminder_id, *args):
            clock.shift(datetime.timedelta(seconds=40))
            sweep(now=timezone.now(), dispatch=seen_by_sweep.append)
            return original(reminder_id, *args)

        with (
            mock.patch.object(delivery, "_deliver_one", slow),
            mock.patch.object(delivery.time, "monotonic", lambda: timezone.now().timestamp()),
        ):
            deliver(batch)
    handed_twice = {r for b in seen_by_sweep for r in b.reminder_ids} & set(batch.reminder_ids)
    assert handed_twice == set()
    assert set(
        Reminder.objects.filter(pk__in=batch.reminder_ids).values_list("status", flat=True)
    ) == {"sent"}
