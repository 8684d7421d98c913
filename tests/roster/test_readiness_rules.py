"""The roster's rules as people meet them: readiness is computed, nobody goes live unready,
access moves in order, the gates count wave 1 and refuse naming who is missing."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from governance.models import Gate
from kernel.errors import InvalidInput, NotAllowed, RuleBroken
from roster import access, services
from roster.models import AccessStep, Person
from roster.readiness import readiness_of_person
from roster.selectors import gate_open_items
from tests.roster.world import TODAY, add_people, add_wave, certify_person, give_access, train

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_readiness_is_computed_and_going_live_unready_is_refused_naming_what_is_missing(world):
    wave = add_wave(world)
    (ana,) = add_people(world, wave, 1)
    assert not readiness_of_person(ana).ready
    with pytest.raises(RuleBroken) as refused:
        services.set_status(actor=world.provider_lead, person=ana, status="live")
    message = str(refused.value)
    assert "Agent 01 is not ready" in message
    assert "Script certification not passed" in message
    assert "CRM access not requested" in message
    ana.refresh_from_db()
    assert ana.status == "planned"

    train(world, ana)
    ana.refresh_from_db()
    assert ana.status == "certified"  # reached by the pass, never set by hand
    give_access(world, [ana])
    assert readiness_of_person(ana).ready
    services.set_status(actor=world.provider_lead, person=ana, status="live")
    ana.refresh_from_db()
    assert ana.status == "live"


def test_a_failed_certification_is_kept_and_a_retake_is_a_new_attempt(world):
    wave = add_wave(world)
    (ana,) = add_people(world, wave, 1)
    first = certify_person(world, ana, passed=False, score=60)
    second = certify_person(world, ana, passed=True, score=88)
    assert (first.attempt, first.passed, second.attempt, second.passed) == (1, False, 2, True)
    assert ana.results.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"requirement": "cold-calling"}, "requirement", "not a module or certification"),
        ({"taken_on": datetime.date(2026, 2, 3)}, "taken_on", "in the future"),
        (
            {"score": 70, "passed": True, "requirement": "certification"},
            "score",
            "below the pass mark",
        ),
    ],
)
def test_a_bad_result_is_refused_naming_its_field_and_nothing_is_written(
    world, change, field, words
):
    wave = add_wave(world)
    (ana,) = add_people(world, wave, 1)
    values = {
        "requirement": "script-delivery",
        "passed": True,
        "taken_on": datetime.date(2026, 2, 1),
        "assessor": world.provider_staff,
        **change,
    }
    with pytest.raises(InvalidInput) as refused:
        services.record_result(actor=world.provider_lead, person=ana, **values)
    assert field in refused.value.errors
    assert words in str(refused.value)
    assert ana.results.count() == 0


def test_a_duplicate_person_in_a_wave_and_a_wave_without_a_start_date_are_refused(world):
    wave = add_wave(world)
    add_people(world, wave, 1)
    with pytest.raises(InvalidInput) as duplicate:
        add_people(world, wave, 1)
    assert "already on Wave 1" in duplicate.value.errors["email"][0]
    with pytest.raises(InvalidInput) as no_start:
        services.save_wave(
            actor=world.provider_lead, engagement=world.engagement, number=2, start_date=""
        )
    assert "start_date" in no_start.value.errors
    assert Person.objects.filter(engagement=world.engagement).count() == 1


def test_access_moves_in_order_and_a_batch_changes_all_or_nothing(world):
    wave = add_wave(world)
    people = add_people(world, wave, 3)
    batch = access.request_access(actor=world.provider_lead, engagement=world.engagement, wave=wave)
    steps = list(AccessStep.objects.filter(batch=batch).select_related("person", "system"))
    assert len(steps) == 3 * 2  # an agent needs the CRM and the dialer
    with pytest.raises(RuleBroken) as early:
        access.advance(
            actor=world.provider_lead, engagement=world.engagement, steps=steps[:1], action="verify"
        )
    assert "not yet approved or provisioned" in str(early.value)
    with pytest.raises(NotAllowed):
        access.advance(
            actor=world.provider_lead, engagement=world.engagement, steps=steps, action="approve"
        )
    access.advance(
        actor=world.client_lead, engagement=world.engagement, steps=steps[:2], action="approve"
    )
    with pytest.raises(RuleBroken) as mixed:
        access.advance(
            actor=world.provider_lead, engagement=world.engagement, steps=steps, action="provision"
        )
    assert "Cannot provision 4 of 6" in str(mixed.value)
    assert "not yet approved by the client" in str(mixed.value)
    assert AccessStep.objects.filter(status="provisioned").count() == 0
    assert {p.pk for p in people} == {s.person_id for s in steps}


def test_the_go_live_gate_counts_wave_one_and_refuses_approval_naming_who_is_not_certified(world):
    wave = add_wave(world)
    people = add_people(world, wave, 4)
    for person in people[:3]:
        certify_person(world, person)
    (line,) = gate_open_items(
        engagement=world.engagement, phase_kind="controlled_go_live", check="certification"
    )
    assert line == "Automatic: Wave 1: 3 of 4 certified; not yet certified: Agent 04"
    assert (
        gate_open_items(engagement=world.engagement, phase_kind="access", check="certification")
        == []
    )
    (access_line,) = gate_open_items(
        engagement=world.engagement, phase_kind="access", check="access"
    )
    assert access_line.startswith("Automatic: Wave 1: 0 of 4 provisioned and verified")

    gate = Gate.objects.get(engagement=world.engagement, phase__kind="controlled_go_live")
    from governance.selectors import open_items_for_gate

    assert line in open_items_for_gate(gate=gate)
    certify_person(world, people[3])
    assert line not in open_items_for_gate(gate=gate)
    assert not any("certified" in item for item in open_items_for_gate(gate=gate))


def test_a_person_who_left_is_not_counted(world):
    wave = add_wave(world)
    people = add_people(world, wave, 2)
    certify_person(world, people[0])
    services.set_status(actor=world.provider_lead, person=people[1], status="left")
    assert (
        gate_open_items(
            engagement=world.engagement, phase_kind="controlled_go_live", check="certification"
        )
        == []
    )


def test_erasure_replaces_name_and_email_keeps_results_and_is_refused_twice(world):
    wave = add_wave(world)
    (ana,) = add_people(world, wave, 1)
    certify_person(world, ana)
    with pytest.raises(NotAllowed):
        services.erase_person(actor=world.provider_lead, person=ana, reason="GDPR-17")
    services.erase_person(actor=world.pmo, person=ana, reason="GDPR-17")
    ana.refresh_from_db()
    assert ana.name == "Erased person" and "agent" not in ana.email
    assert ana.results.filter(passed=True).count() == 1
    from audit.models import Event

    trail = Event.objects.filter(object_id=str(ana.public_id))
    assert trail.filter(note="Erased: GDPR-17").exists()
    assert not any("Agent 01" in (event.object_label + str(event.snapshot)) for event in trail)
    with pytest.raises(RuleBroken) as twice:
        services.erase_person(actor=world.pmo, person=ana, reason="again")
    assert "already erased" in str(twice.value)
