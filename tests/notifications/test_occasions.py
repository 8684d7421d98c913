"""Each occasion reaches the right people on the right local day, and stops when it should."""

import datetime
from decimal import Decimal

import time_machine
from django.core import mail

from engagements.services import start_transition
from governance.models import Gate, GateCriterion
from governance.services import approve_gate, request_gate_decision, set_criterion_state
from milestones.models import Milestone
from milestones.services import update_milestone
from notifications.models import Kind, Notification, Reminder
from notifications.services import update_reminder_policy
from reporting.measurements import record_measurement
from reporting.models import Kpi, Review, ReviewKpiResult
from reporting.reviews import explain_miss, refresh_review
from tests.notifications.conftest import at, mails_to, recorded
from tests.world import complete_milestone, finish_phase, meet_criteria_and_attest


def titled(*titles):
    return {Milestone.objects.get(title=title).pk for title in titles}


def who(world, kind, **lookup):
    """Pairs (person label, object id) of the ledger rows of ``kind``."""
    people = ("admin", "pmo", "client_lead", "client_staff", "provider_lead", "provider_staff")
    labels = {getattr(world, label).username: label for label in people}
    return {(labels[username], pk) for username, pk in recorded(kind, **lookup)}


def test_a_milestone_due_soon_reminds_its_owner_3_days_and_1_day_before(world, scan):
    scan(at("2026-01-08"))

    three_days = titled("Closer hand-off agreed", "Agent and supervisor accounts provisioned")
    three_days |= titled("Dialer configured")
    one_day = titled("Lead-source credentials issued")
    due_soon = {pk for _who, pk in who(world, Kind.MILESTONE_DUE_SOON)}
    assert due_soon == three_days | one_day
    assert ("client_staff", *one_day) in who(world, Kind.MILESTONE_DUE_SOON)

    closer = Milestone.objects.get(title="Closer hand-off agreed")
    [message] = [m for m in mails_to(world.client_lead) if "Closer hand-off" in m.subject]
    assert message.subject == "[Alpha] Alpha care desk: “Closer hand-off agreed” is due in 3 days"
    link = (
        f"http://127.0.0.1:8000/engagements/{world.engagement.public_id}"
        f"/milestones/{closer.public_id}/"
    )
    assert link in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html and "Alpha care desk" in html
    assert Notification.objects.get(recipient=world.client_lead, title__contains="Closer").link == (
        f"/engagements/{world.engagement.public_id}/milestones/{closer.public_id}/"
    )


def test_a_tenant_chooses_its_own_lead_times(world, scan):
    update_reminder_policy(
        actor=world.admin,
        tenant=world.tenant,
        lead_days=[2],
        escalate_after_days=3,
        action_overdue_days=7,
    )
    scan(at("2026-01-08"))

    due_in_two = Milestone.objects.filter(due_date="2026-01-10", status="not_started")
    assert {pk for _who, pk in who(world, Kind.MILESTONE_DUE_SOON)} == {m.pk for m in due_in_two}


def test_an_overdue_milestone_reminds_daily_until_done_or_cancelled(world, scan):
    late = Milestone.objects.get(title="Campaign rules defined")  # due 7 January
    cancelled = Milestone.objects.get(title="Technical needs confirmed")  # due 7 January

    scan(at("2026-01-08"))
    assert {pk for _w, pk in who(world, Kind.MILESTONE_OVERDUE)} >= {late.pk, cancelled.pk}
    update_milestone(actor=world.pmo, milestone=cancelled, status="cancelled")
    scan(at("2026-01-09"))
    complete_milestone(world, late)
    scan(at("2026-01-10"))

    days = {
        (row.object_id, row.occasion_date.isoformat())
        for row in Reminder.objects.filter(kind=Kind.MILESTONE_OVERDUE)
    }
    assert (late.pk, "2026-01-08") in days and (late.pk, "2026-01-09") in days
    assert (late.pk, "2026-01-10") not in days
    assert (cancelled.pk, "2026-01-08") in days
    assert (cancelled.pk, "2026-01-09") not in days
    assert len([m for m in mails_to(world.client_lead) if "Campaign rules" in m.subject]) == 2


def test_an_overdue_milestone_reaches_its_sides_lead_after_the_tenants_days(world, scan):
    working, contacts = (
        titled("Working kickoff session"),
        titled("Core contacts and communication rules"),
    )
    scan(at("2026-01-08"))  # 2 days overdue: the owners only
    assert who(world, Kind.MILESTONE_OVERDUE_LEAD) == set()

    scan(at("2026-01-09"))  # 3 days: a joint milestone reaches both leads
    expected = {
        (lead, pk) for lead in ("client_lead", "provider_lead") for pk in working | contacts
    }
    assert who(world, Kind.MILESTONE_OVERDUE_LEAD) == expected

    [message] = [m for m in mails_to(world.client_lead) if "Working kickoff" in m.subject]
    assert f"{world.pmo}'s “Working kickoff session” is 3 days overdue" in message.subject


def test_a_lead_is_not_escalated_to_about_their_own_milestone(world, scan):
    update_reminder_policy(
        actor=world.admin,
        tenant=world.tenant,
        lead_days=[3, 1],
        escalate_after_days=2,
        action_overdue_days=7,
    )
    scan(at("2026-01-09"))
    rules, technical = titled("Campaign rules defined"), titled("Technical needs confirmed")
    escalated = who(world, Kind.MILESTONE_OVERDUE_LEAD)
    # Owned by the client lead and the provider lead: each reaches only the other side's lead.
    assert {entry for entry in escalated if entry[1] in rules | technical} == {
        ("provider_lead", *rules),
        ("client_lead", *technical),
    }


def request_kickoff_decision(world, when):
    with time_machine.travel(when, tick=False):
        start_transition(actor=world.pmo, engagement=world.engagement)
        finish_phase(world, "kickoff")
        gate = Gate.objects.get(phase__kind="kickoff")
        meet_criteria_and_attest(world, gate)
        request_gate_decision(actor=world.provider_lead, gate=gate)
    return gate


def test_a_gate_waiting_24_hours_reminds_pmo_daily_until_decided(world, scan):
    gate = request_kickoff_decision(world, at("2026-01-08", 10))

    scan(at("2026-01-09"))  # 22 hours: not yet
    assert who(world, Kind.GATE_AWAITING_DECISION) == set()
    scan(at("2026-01-10"))
    scan(at("2026-01-11"))
    assert {
        row.occasion_date.isoformat()
        for row in Reminder.objects.filter(kind=Kind.GATE_AWAITING_DECISION)
    } == {"2026-01-10", "2026-01-11"}
    # The tenant's PMO (also on the PMO side): one reminder a day, not one per route.
    assert who(world, Kind.GATE_AWAITING_DECISION) == {("pmo", gate.pk)}
    [first, _second] = [m for m in mails_to(world.pmo) if "waiting for a PMO decision" in m.subject]
    assert f"/engagements/{world.engagement.public_id}/gates/{gate.public_id}/" in first.body

    with time_machine.travel(at("2026-01-11", 9), tick=False):
        approve_gate(actor=world.pmo, gate=gate)
    scan(at("2026-01-12"))
    assert Reminder.objects.filter(kind=Kind.GATE_AWAITING_DECISION).count() == 2


def test_open_required_criteria_two_days_before_the_phase_ends(world, scan):
    gate = Gate.objects.get(phase__kind="kickoff")  # the kickoff phase ends on 8 January
    scan(at("2026-01-05"))
    assert who(world, Kind.GATE_CRITERIA_OPEN) == set()
    scan(at("2026-01-06"))

    kickoff = {entry for entry in who(world, Kind.GATE_CRITERIA_OPEN) if entry[1] == gate.pk}
    assert kickoff == {("pmo", gate.pk), ("client_lead", gate.pk), ("provider_lead", gate.pk)}
    [message] = [m for m in mails_to(world.provider_lead) if "Kickoff gate" in m.subject]
    assert "3 required criteria of “Kickoff gate” still open" in message.subject
    assert f"/gates/{gate.public_id}/#criteria" in message.body


def test_met_criteria_send_nothing(world, scan):
    gate = Gate.objects.get(phase__kind="kickoff")
    for criterion in GateCriterion.objects.filter(gate=gate):
        set_criterion_state(actor=world.provider_lead, criterion=criterion, state="met")
    scan(at("2026-01-06"))
    assert not [entry for entry in who(world, Kind.GATE_CRITERIA_OPEN) if entry[1] == gate.pk]


def test_a_review_in_3_days_reminds_the_leads_and_pmo(world, scan):
    review = Review.objects.get(day=14)  # 19 January
    scan(at("2026-01-16"))
    assert who(world, Kind.REVIEW_UPCOMING) == {
        ("pmo", review.pk),
        ("client_lead", review.pk),
        ("provider_lead", review.pk),
    }
    [message] = [m for m in mails_to(world.client_lead) if "Day-14 review" in m.subject]
    assert message.subject == "[Alpha] Alpha care desk: Day-14 review in 3 days"
    assert f"/engagements/{world.engagement.public_id}/reviews/{review.public_id}/" in message.body


def test_an_unpublished_review_5_days_after_its_date_reminds_pmo(world, scan):
    review = Review.objects.get(day=14)
    scan(at("2026-01-23"))
    assert who(world, Kind.REVIEW_UNPUBLISHED) == set()
    scan(at("2026-01-24"))
    assert who(world, Kind.REVIEW_UNPUBLISHED) == {("pmo", review.pk)}


def explained_miss(world, *, owner, due):
    review = Review.objects.get(day=14)
    with time_machine.travel(at("2026-01-20"), tick=False):
        record_measurement(
            actor=world.pmo,
            kpi=Kpi.objects.get(key="contact-rate"),
            measured_on=review.scheduled_on,
            value=Decimal("1"),
        )
        refresh_review(actor=world.pmo, review=review)
        result = ReviewKpiResult.objects.get(review=review, outcome="missed")
        explain_miss(
            actor=world.provider_lead,
            result=result,
            root_cause="Rota gap",
            corrective_action="Second closer on the late shift",
            action_owner=owner,
            action_due=due,
        )
    return result


def test_a_corrective_action_reminds_its_owner_before_and_after_it_is_due(world, scan):
    result = explained_miss(world, owner=world.provider_staff, due=datetime.date(2026, 1, 25))
    for day in ("2026-01-22", "2026-01-24", "2026-01-26", "2026-02-01", "2026-02-02"):
        scan(at(day))

    soon = Reminder.objects.filter(kind=Kind.ACTION_DUE_SOON, object_id=result.pk)
    late = Reminder.objects.filter(kind=Kind.ACTION_OVERDUE, object_id=result.pk)
    assert sorted(str(r.occasion_date) for r in soon) == ["2026-01-22", "2026-01-24"]
    # Chased for the tenant's 7 days after the due date, then no more.
    assert sorted(str(r.occasion_date) for r in late) == ["2026-01-26", "2026-02-01"]
    assert {r.recipient for r in [*soon, *late]} == {world.provider_staff}
    message = next(m for m in mails_to(world.provider_staff) if "Corrective action" in m.subject)
    assert f"#result-{result.public_id}" in message.body


def test_nothing_is_sent_for_an_engagement_on_hold(world, scan):
    from engagements.services import put_on_hold

    with time_machine.travel(at("2026-01-07"), tick=False):
        start_transition(actor=world.pmo, engagement=world.engagement)
        put_on_hold(actor=world.pmo, engagement=world.engagement)
    mail.outbox.clear()
    scan(at("2026-01-08"))
    assert Reminder.objects.count() == 0 and mail.outbox == []
