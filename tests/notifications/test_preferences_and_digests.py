"""A person chooses e-mail per kind, and one daily digest instead of one e-mail each."""

import pytest
from django.core import mail

from kernel.errors import InvalidInput
from milestones.models import Milestone
from milestones.services import update_milestone
from notifications.models import Digest, Kind, Notification, Preference, Reminder
from notifications.services import update_preferences
from tests.notifications.conftest import at, mails_to


def test_a_kind_with_e_mail_off_still_reaches_the_notification_centre(world, scan):
    person = world.client_lead
    update_preferences(
        actor=person, daily_digest=False, email_off=[Kind.MILESTONE_OVERDUE], time_zone=""
    )
    scan(at("2026-01-08"))

    overdue = Reminder.objects.filter(recipient=person, kind=Kind.MILESTONE_OVERDUE)
    assert overdue and {(r.status, r.channel) for r in overdue} == {("sent", "in_app")}
    assert not [m for m in mails_to(person) if "overdue" in m.subject]
    assert [m for m in mails_to(person) if "is due in" in m.subject]  # other kinds still mailed
    assert Notification.objects.filter(recipient=person, kind=Kind.MILESTONE_OVERDUE).count() == (
        overdue.count()
    )


def test_a_digest_collects_the_days_reminders_in_one_e_mail(world, scan):
    person = world.client_lead
    update_preferences(actor=person, daily_digest=True, email_off=[], time_zone="")
    scan(at("2026-01-08"))

    mine = Reminder.objects.filter(recipient=person)
    assert mine.count() == 2  # one due soon, one overdue
    [digest_mail] = mails_to(person)
    assert digest_mail.subject == f"[Alpha] {mine.count()} reminders for Thursday 08 January"
    for row in mine:
        assert Notification.objects.get(reminder=row).title in digest_mail.body
    digest = Digest.objects.get(recipient=person)
    assert str(digest.local_date) == "2026-01-08" and digest.status == "sent"
    assert {(r.status, r.channel, r.digest_id) for r in mine} == {("sent", "digest", digest.pk)}

    scan(at("2026-01-08", 12))  # later scans that day add nothing
    assert len(mails_to(person)) == 1


def test_an_occasion_that_arises_after_the_digest_waits_for_the_next_one(world, scan):
    person = world.client_lead
    update_preferences(actor=person, daily_digest=True, email_off=[], time_zone="")
    scan(at("2026-01-08"))
    assert len(mails_to(person)) == 1

    # At noon a milestone of theirs is moved to fall due in 3 days: today's occasion, late.
    closer = Milestone.objects.get(title="Client review of the script")
    update_milestone(actor=world.pmo, milestone=closer, due_date="2026-01-11")
    scan(at("2026-01-08", 12))
    late = Reminder.objects.get(recipient=person, object_id=closer.pk, kind=Kind.MILESTONE_DUE_SOON)
    assert late.status == "pending" and late.next_attempt_at == at("2026-01-09", 8)
    assert len(mails_to(person)) == 1
    assert Notification.objects.filter(reminder=late).exists()  # in the app at once

    scan(at("2026-01-09", 8))
    late.refresh_from_db()
    assert late.status == "sent" and str(late.digest.local_date) == "2026-01-09"
    second = mails_to(person)[1]
    assert "Client review of the script" in second.body and len(mails_to(person)) == 2


def test_preferences_are_checked(world):
    with pytest.raises(InvalidInput) as refused:
        update_preferences(
            actor=world.pmo, daily_digest=True, email_off=["gossip"], time_zone="Mars/Base"
        )
    assert set(refused.value.errors) == {"email_off", "time_zone"}
    assert not Preference.objects.filter(user=world.pmo).exists()
    world.pmo.refresh_from_db()
    assert world.pmo.time_zone == ""
    assert mail.outbox == []
