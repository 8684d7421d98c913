"""The readiness roster's reminders (issue 18): access waiting on the client past the tenant's
days (to the client's leads), a person starting soon while not ready (to the provider's
leads), a wave going live soon while not ready (to PMO and the leads). Each once per day, each
checked again before it is sent, and none naming another tenant's or engagement's people."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from kernel.tenancy import tenant_context
from notifications.models import Kind, Notification, Reminder
from notifications.scan import run_scan
from notifications.services import update_reminder_policy
from roster import access, services
from roster.models import AccessStep, Requirement, Wave
from tests.notifications.conftest import at, deliver, mails_to
from tests.notifications.test_occasions import who
from tests.world import add_engagement

pytestmark = pytest.mark.django_db

# The world's contract is signed on 5 January 2026; its controlled go-live phase ends on
# 15 January. Wave 1 starts on 12 January and goes live with that phase.
WAVE_START = datetime.date(2026, 1, 12)
GO_LIVE = datetime.date(2026, 1, 15)
REQUESTED = at("2026-01-06", 10)


def add_wave(world, engagement=None, *, number=1, start=WAVE_START, **extra) -> Wave:
    return services.save_wave(
        actor=world.provider_lead,
        engagement=engagement or world.engagement,
        number=number,
        start_date=start,
        **extra,
    )


def add_people(world, wave: Wave, names: list[str]):
    return [
        services.add_person(
            actor=world.provider_lead,
            engagement=wave.engagement,
            name=name,
            email=f"{name.lower().replace(' ', '.')}@example.com",
            role="agent",
            wave=wave.number,
            start_date=wave.start_date,
        )
        for name in names
    ]


def a_roster(world, engagement=None, *, prefix="Agent", request=True):
    """Wave 1 of two agents on ``engagement``, access requested on 6 January for both."""
    engagement = engagement or world.engagement
    with time_machine.travel(REQUESTED, tick=False):
        wave = add_wave(world, engagement)
        people = add_people(world, wave, [f"{prefix} Ana", f"{prefix} Ben"])
        if request:
            access.request_access(actor=world.provider_lead, engagement=engagement, wave=wave)
    return wave, people


def ready(world, person, day="2026-01-08") -> None:
    """Trained, certified, every system verified (on ``day``)."""
    with time_machine.travel(at(day, 9), tick=False):
        for requirement in Requirement.objects.filter(
            engagement=person.engagement, role=person.role, kind__in=("module", "certification")
        ):
            services.record_result(
                actor=world.provider_lead,
                person=person,
                requirement=requirement,
                passed=True,
                score=90 if requirement.kind == "certification" else None,
                taken_on=datetime.date.fromisoformat(day),
                assessor=world.provider_staff,
            )
        steps = list(AccessStep.objects.filter(person=person).select_related("person", "system"))
        for action, actor in (
            ("approve", world.client_lead),
            ("provision", world.provider_lead),
            ("verify", world.provider_lead),
        ):
            access.advance(actor=actor, engagement=person.engagement, steps=steps, action=action)


def occasion_days(kind: str) -> list[tuple[str, str]]:
    rows = Reminder.objects.filter(kind=kind).select_related("recipient").order_by("occasion_date")
    return [(row.occasion_date.isoformat(), row.recipient.username.split("-")[-1]) for row in rows]


# --- Access waiting on the client ----------------------------------------------------------


def test_access_waiting_on_the_client_reaches_its_lead_daily_from_the_tenants_day(world, scan):
    wave, _people = a_roster(world)
    scan(at("2026-01-08"))  # two days: not yet
    scan(at("2026-01-09"))  # three days, the default
    scan(at("2026-01-09", 15))  # again the same day: nothing more
    scan(at("2026-01-10"))
    assert occasion_days(Kind.ROSTER_ACCESS_WAITING) == [
        ("2026-01-09", "client_lead"),
        ("2026-01-10", "client_lead"),
    ]
    [first, _second] = [m for m in mails_to(world.client_lead) if "access approval" in m.subject]
    assert first.subject == (
        "[Alpha] Alpha care desk: 4 access approvals of “Wave 1 access” waiting on the client "
        "for 3 days"
    )
    assert "Agent Ana, Agent Ben" in first.body
    assert not [m for m in mails_to(world.provider_lead) if "access approval" in m.subject]

    # The client approves everything: the chase stops.
    steps = list(AccessStep.objects.filter(person__wave=wave).select_related("person", "system"))
    with time_machine.travel(at("2026-01-10", 12), tick=False):
        access.advance(
            actor=world.client_lead, engagement=world.engagement, steps=steps, action="approve"
        )
    scan(at("2026-01-11"))
    assert len(occasion_days(Kind.ROSTER_ACCESS_WAITING)) == 2


def test_the_tenant_sets_how_long_access_may_wait_on_the_client(world, scan):
    update_reminder_policy(
        actor=world.admin,
        tenant=world.tenant,
        lead_days=[3, 1],
        escalate_after_days=3,
        action_overdue_days=7,
        access_approval_days=5,
    )
    a_roster(world)
    for day in ("2026-01-09", "2026-01-10", "2026-01-11"):
        scan(at(day))
    assert occasion_days(Kind.ROSTER_ACCESS_WAITING) == [("2026-01-11", "client_lead")]
    note = Notification.objects.get(kind=Kind.ROSTER_ACCESS_WAITING)
    assert note.title.endswith("waiting on the client for 5 days")
    assert note.link.startswith(f"/engagements/{world.engagement.public_id}/roster/")


def test_a_bad_access_approval_setting_is_refused_naming_it(world):
    from kernel.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        update_reminder_policy(
            actor=world.admin,
            tenant=world.tenant,
            lead_days=[3],
            escalate_after_days=3,
            action_overdue_days=7,
            access_approval_days=0,
        )
    assert "access_approval_days" in refused.value.errors


def test_access_approved_between_the_scan_and_the_send_is_not_chased(world):
    wave, _people = a_roster(world)
    batches = []
    with time_machine.travel(at("2026-01-09"), tick=False):
        run_scan(now=at("2026-01-09"), dispatch=batches.append)
    steps = list(AccessStep.objects.filter(person__wave=wave).select_related("person", "system"))
    access.advance(
        actor=world.client_lead, engagement=world.engagement, steps=steps, action="approve"
    )
    for batch in batches:
        deliver(batch)
    [row] = Reminder.objects.filter(kind=Kind.ROSTER_ACCESS_WAITING)
    assert (row.status, row.skipped_reason) == (
        "skipped",
        "no step of the batch waits on the client's approval any more",
    )


# --- A person starting soon, not ready ------------------------------------------------------


def test_a_person_starting_soon_and_not_ready_reaches_the_provider_lead(world, scan):
    _wave, (ana, ben) = a_roster(world)
    ready(world, ana)
    scan(at("2026-01-09"))  # three days before the start
    assert who(world, Kind.ROSTER_START_NOT_READY) == {("provider_lead", ben.pk)}
    [message] = [m for m in mails_to(world.provider_lead) if "starts" in m.subject]
    assert message.subject == (
        "[Alpha] Alpha care desk: Agent Ben (agent, Wave 1) starts in 3 days and is not ready"
    )
    assert "Script certification not passed" in message.body
    assert "CRM access requested" in message.body
    scan(at("2026-01-10"))  # not a lead day
    ready(world, ben, day="2026-01-10")
    scan(at("2026-01-11"))  # one day before, but ready now
    assert Reminder.objects.filter(kind=Kind.ROSTER_START_NOT_READY).count() == 1


def test_a_person_made_ready_before_the_send_is_not_reminded_about(world):
    _wave, (ana, _ben) = a_roster(world)
    batches = []
    with time_machine.travel(at("2026-01-09"), tick=False):
        run_scan(now=at("2026-01-09"), dispatch=batches.append)
    ready(world, ana, day="2026-01-09")
    for batch in batches:
        deliver(batch)
    skipped = Reminder.objects.get(kind=Kind.ROSTER_START_NOT_READY, object_id=ana.pk)
    assert (skipped.status, skipped.skipped_reason) == ("skipped", "the person is ready")
    assert not Notification.objects.filter(reminder=skipped).exists()


# --- A wave going live soon, not ready -----------------------------------------------------


def test_a_wave_going_live_soon_and_not_ready_reaches_pmo_and_the_leads(world, scan):
    _wave, (ana, _ben) = a_roster(world)
    ready(world, ana)
    scan(at("2026-01-12"))  # three days before the controlled go-live phase ends
    assert {label for label, _pk in who(world, Kind.ROSTER_WAVE_NOT_READY)} == {
        "pmo",
        "client_lead",
        "provider_lead",
    }
    note = Notification.objects.get(recipient=world.pmo, kind=Kind.ROSTER_WAVE_NOT_READY)
    assert note.title == "Wave 1 goes live in 3 days with 1 of 2 not ready"
    assert "Not ready yet: Agent Ben." in note.body

    # Its own go-live date wins over the phase's end.
    services.save_wave(
        actor=world.provider_lead,
        engagement=world.engagement,
        number=1,
        start_date=WAVE_START,
        go_live_date=datetime.date(2026, 1, 20),
    )
    scan(at("2026-01-14"))  # one day before the phase's end: no longer the wave's go-live
    scan(at("2026-01-17"))  # three days before its own date
    days = {
        row.occasion_date.isoformat()
        for row in Reminder.objects.filter(kind=Kind.ROSTER_WAVE_NOT_READY)
    }
    assert days == {"2026-01-12", "2026-01-17"}


def test_a_wave_made_ready_before_the_send_is_not_reminded_about(world):
    _wave, (ana, ben) = a_roster(world)
    ready(world, ana)
    batches = []
    with time_machine.travel(at("2026-01-12"), tick=False):
        run_scan(now=at("2026-01-12"), dispatch=batches.append)
    ready(world, ben, day="2026-01-12")
    for batch in batches:
        deliver(batch)
    rows = Reminder.objects.filter(kind=Kind.ROSTER_WAVE_NOT_READY)
    assert rows.exists()
    assert {(row.status, row.skipped_reason) for row in rows} == {
        ("skipped", "everybody on the wave is ready")
    }


# --- Tenancy ---------------------------------------------------------------------------------


def test_a_roster_reminder_never_names_another_tenants_or_engagements_people(
    world, other_world, scan
):
    a_roster(world, prefix="Alpha")
    second = add_engagement(world, name="Second desk")
    a_roster(world, second, prefix="Second")
    with tenant_context(other_world.tenant):
        a_roster(other_world, prefix="Bravo")
    for day in ("2026-01-09", "2026-01-12"):
        scan(at(day))

    names = {"Alpha": world.engagement.pk, "Second": second.pk}
    kinds = (Kind.ROSTER_ACCESS_WAITING, Kind.ROSTER_START_NOT_READY, Kind.ROSTER_WAVE_NOT_READY)
    for kind in kinds:
        notes = list(Notification.objects.filter(kind=kind))
        assert {note.engagement_id for note in notes} == set(names.values()), kind
        for note in notes:
            words = note.title + note.body
            assert "Bravo" not in words
            for prefix, engagement_id in names.items():
                assert (f"{prefix} A" in words or f"{prefix} B" in words) == (
                    note.engagement_id == engagement_id
                ), (kind, words)
    with tenant_context(other_world.tenant):
        theirs = list(Notification.objects.filter(kind__startswith="roster_"))
    assert theirs and all("Alpha" not in n.body and "Second" not in n.body for n in theirs)
    ours = {getattr(world, label).pk for label in ("pmo", "client_lead", "provider_lead")}
    assert not ours & {n.recipient_id for n in theirs}
