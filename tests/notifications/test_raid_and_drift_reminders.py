"""RAID items due soon or overdue remind their owner; an open drift alert reaches the
engagement's leads once per episode (issue 10, through the reminder system of issue 9)."""

import datetime

import pytest
import time_machine

from engagements.models import EngagementMember
from engagements.services import delete_seats
from kernel.errors import RuleBroken
from kernel.tenancy import tenant_context
from notifications.models import Kind, Notification, Reminder
from notifications.services import update_preferences
from registers.services import close_raid_item, create_raid_item, update_raid_item
from reporting.models import DriftAlert
from tests.notifications.conftest import at, mails_to
from tests.notifications.test_occasions import who
from tests.reporting.test_drift import load
from transition.services import remove_member

RISK_DUE = datetime.date(2026, 1, 12)


def add_risk(world, *, owner=None, due_date=RISK_DUE, engagement=None, actor=None):
    with time_machine.travel(at("2026-01-06"), tick=False):
        return create_raid_item(
            actor=actor or world.pmo,
            engagement=engagement or world.engagement,
            kind="risk",
            title="Dialer licences late",
            owner=owner or world.provider_staff,
            due_date=due_date,
            probability=4,
            impact=4,
            response="Order the licences with the hardware",
        )


def occasion_days(kind: str, item) -> list[str]:
    rows = Reminder.objects.filter(kind=kind, object_id=item.pk).order_by("occasion_date")
    return [row.occasion_date.isoformat() for row in rows]


def test_a_raid_item_reminds_its_owner_before_its_due_date_and_daily_once_overdue(world, scan):
    risk = add_risk(world)
    for day in ("2026-01-09", "2026-01-10", "2026-01-11", "2026-01-13", "2026-01-14"):
        scan(at(day))
    close_raid_item(actor=world.provider_lead, item=risk)
    scan(at("2026-01-15"))

    # The tenant's default lead times, 3 days and 1 day before; then every day until closed.
    assert occasion_days(Kind.RAID_DUE_SOON, risk) == ["2026-01-09", "2026-01-11"]
    assert occasion_days(Kind.RAID_OVERDUE, risk) == ["2026-01-13", "2026-01-14"]
    assert who(world, Kind.RAID_DUE_SOON) | who(world, Kind.RAID_OVERDUE) == {
        ("provider_staff", risk.pk)
    }
    messages = [m for m in mails_to(world.provider_staff) if "Dialer" in m.subject]
    subjects = [m.subject for m in messages]
    assert subjects == [
        "[Alpha] Alpha care desk: Risk “Dialer licences late” is due in 3 days",
        "[Alpha] Alpha care desk: Risk “Dialer licences late” is due in 1 day",
        "[Alpha] Alpha care desk: Risk “Dialer licences late” is 1 day overdue",
        "[Alpha] Alpha care desk: Risk “Dialer licences late” is 2 days overdue",
    ]
    link = f"/engagements/{world.engagement.public_id}/raid/{risk.public_id}/"
    assert f"http://127.0.0.1:8000{link}" in messages[-1].body
    inbox = Notification.objects.filter(recipient=world.provider_staff, kind=Kind.RAID_OVERDUE)
    assert {n.link for n in inbox} == {link}


def test_a_moved_due_date_or_a_new_owner_stops_what_was_recorded_for_the_old_one(world, scan):
    risk = add_risk(world)
    batches = []
    from notifications.scan import run_scan

    with time_machine.travel(at("2026-01-09"), tick=False):
        run_scan(now=at("2026-01-09"), dispatch=batches.append)
    # Before the worker sends it, the PMO hands the risk to the provider lead.
    update_raid_item(actor=world.pmo, item=risk, owner=world.provider_lead)
    from tests.notifications.conftest import deliver

    for batch in batches:
        deliver(batch)
    [row] = Reminder.objects.filter(kind=Kind.RAID_DUE_SOON, object_id=risk.pk)
    assert (row.status, row.skipped_reason) == (
        "skipped",
        "the recipient no longer owns the risk here",
    )
    assert not [m for m in mails_to(world.provider_staff) if "Dialer" in m.subject]

    scan(at("2026-01-11"))  # the next occasion goes to the new owner
    assert who(world, Kind.RAID_DUE_SOON, occasion_date="2026-01-11") == {
        ("provider_lead", risk.pk)
    }


def test_an_owner_with_open_raid_items_stays_on_the_engagement_until_they_are_reassigned(
    world, scan
):
    risk = add_risk(world, owner=world.client_staff)
    seat = EngagementMember.objects.get(engagement=world.engagement, user=world.client_staff)
    with pytest.raises(RuleBroken, match="still owns open milestones"):
        remove_member(actor=world.pmo, member=seat)

    # Without milestones of theirs, the open risk alone keeps them: reminders would go nowhere.
    from milestones.models import Milestone

    Milestone.objects.filter(owner=world.client_staff).update(owner=world.client_lead)
    with pytest.raises(RuleBroken, match="still owns open RAID items: Dialer licences late"):
        remove_member(actor=world.pmo, member=seat)

    close_raid_item(actor=world.pmo, item=risk)
    remove_member(actor=world.pmo, member=seat)
    assert not EngagementMember.objects.filter(pk=seat.pk).exists()


def test_a_raid_owner_who_lost_their_seat_is_not_reminded(world, scan):
    risk = add_risk(world, owner=world.client_staff)
    seat = EngagementMember.objects.get(engagement=world.engagement, user=world.client_staff)
    delete_seats(actor=world.pmo, seats=[seat])  # the rule-free path an admin clean-up takes
    scan(at("2026-01-09"))
    assert occasion_days(Kind.RAID_DUE_SOON, risk) == []


def test_raid_email_turned_off_still_lands_in_the_notification_centre(world, scan):
    risk = add_risk(world)
    update_preferences(
        actor=world.provider_staff,
        daily_digest=False,
        email_off=[Kind.RAID_DUE_SOON],
        time_zone="",
    )
    scan(at("2026-01-09"))
    assert not [m for m in mails_to(world.provider_staff) if "Dialer" in m.subject]
    note = Notification.objects.get(recipient=world.provider_staff, kind=Kind.RAID_DUE_SOON)
    assert note.title == "Risk “Dialer licences late” is due in 3 days"
    assert Reminder.objects.get(kind=Kind.RAID_DUE_SOON, object_id=risk.pk).status == "sent"


def test_other_tenants_raid_items_reach_only_their_own_people(world, other_world, scan):
    mine = add_risk(world)
    with tenant_context(other_world.tenant):
        theirs = add_risk(other_world)
    scan(at("2026-01-09"))
    rows = Reminder._base_manager.filter(kind=Kind.RAID_DUE_SOON)
    assert {(row.tenant_id, row.object_id, row.recipient_id) for row in rows} == {
        (world.tenant.pk, mine.pk, world.provider_staff.pk),
        (other_world.tenant.pk, theirs.pk, other_world.provider_staff.pk),
    }


# --- Drift ------------------------------------------------------------------------------------


def leads_of(world) -> set[str]:
    labels = {getattr(world, label).pk: label for label in ("pmo", "client_lead", "provider_lead")}
    seats = EngagementMember.objects.filter(engagement=world.engagement, role="lead")
    return {labels[seat.user_id] for seat in seats}


def test_a_drift_alert_reaches_each_lead_once_per_episode(world, scan):
    load(world, "contact-rate", ["34", "33", "29", "28", "27"])
    [alert] = DriftAlert.objects.filter(ended_week__isnull=True)
    leads = leads_of(world)
    assert {"client_lead", "provider_lead"} <= leads

    scan(at("2026-11-25"))
    scan(at("2026-11-26"))  # still open: nothing more
    scan(at("2026-11-26", 14))
    assert who(world, Kind.DRIFT_ALERT) == {(lead, alert.pk) for lead in leads}
    assert Reminder.objects.filter(kind=Kind.DRIFT_ALERT).count() == len(leads)
    [message] = [m for m in mails_to(world.client_lead) if "Contact rate" in m.subject]
    assert message.subject == "[Alpha] Alpha care desk: Contact rate is below its target of 30 %"
    kpi_link = f"/engagements/{world.engagement.public_id}/kpis/{alert.kpi.public_id}/"
    assert kpi_link in message.body
    assert not [m for m in mails_to(world.client_staff) if "Contact rate" in m.subject]

    # It recovers (the episode ends), then falls below again: a new episode, a new reminder.
    load(world, "contact-rate", ["31", "32", "33"], first_week=5)
    assert DriftAlert.objects.get(pk=alert.pk).ended_week is not None
    load(world, "contact-rate", ["28", "27"], first_week=8)
    [again] = DriftAlert.objects.filter(ended_week__isnull=True)
    assert again.pk != alert.pk
    scan(at("2026-11-27"))
    assert who(world, Kind.DRIFT_ALERT) == {
        (lead, pk) for lead in leads for pk in (alert.pk, again.pk)
    }


def test_three_weekly_declines_on_target_are_worded_as_a_slow_drift(world, scan):
    load(world, "contact-rate", ["40", "38", "36", "34", "33"])
    scan(at("2026-11-25"))
    note = Notification.objects.get(recipient=world.provider_lead, kind=Kind.DRIFT_ALERT)
    assert note.title == "Contact rate has got worse three weeks running"
    assert "Still on its target of 30 %" in note.body


def test_a_flat_series_or_a_closed_episode_reaches_nobody(world, scan):
    load(world, "contact-rate", ["34", "34", "34", "34"])
    scan(at("2026-11-25"))
    assert Reminder.objects.filter(kind=Kind.DRIFT_ALERT).count() == 0

    load(world, "contact-rate", ["29"], first_week=4)
    from notifications.scan import run_scan

    batches = []
    with time_machine.travel(at("2026-11-26"), tick=False):
        run_scan(now=at("2026-11-26"), dispatch=batches.append)
    assert Reminder.objects.filter(kind=Kind.DRIFT_ALERT).exists()
    load(world, "contact-rate", ["35"], first_week=5)  # recovered before the worker ran
    from tests.notifications.conftest import deliver

    for batch in batches:
        deliver(batch)
    skipped = Reminder.objects.filter(kind=Kind.DRIFT_ALERT)
    assert {(row.status, row.skipped_reason) for row in skipped} == {
        ("skipped", "Contact rate recovered")
    }


def test_a_lead_who_left_hears_nothing_of_a_new_episode(world, scan):
    seat = EngagementMember.objects.get(engagement=world.engagement, user=world.client_lead)
    delete_seats(actor=world.pmo, seats=[seat])
    load(world, "contact-rate", ["34", "33", "29"])
    scan(at("2026-11-25"))
    reached = {label for label, _pk in who(world, Kind.DRIFT_ALERT)}
    assert "client_lead" not in reached and "provider_lead" in reached
