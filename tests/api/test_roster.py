"""The readiness roster over the API as a provider's HR system and a client's approver use it:
upsert by HR id, results, access steps moved by the side whose turn it is, every bad field
named, and an erased person shown as erased wherever the API shows people."""

from __future__ import annotations

import json

import pytest
import time_machine

from audit.models import Event
from kernel.tenancy import tenant_context
from roster.models import Person, Result
from tests.api.roster_objects import START, a_roster_person, a_wave
from tests.api.test_webhooks import Receiver, run_beat_and_deliveries, subscribe
from tests.roster.world import TODAY

V1 = "/api/v1/roster"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def body(home, **changes) -> dict:
    return {
        "engagement": str(home.engagement.public_id),
        "name": "Ana Lima",
        "email": "ana.lima@provider.example",
        "role": "agent",
        "wave": 1,
        "site": "Lisbon",
        "start_date": START.isoformat(),
        **changes,
    }


def test_put_by_hr_id_adds_then_changes_and_a_repeat_changes_nothing(api, home):
    with tenant_context(home.tenant):
        a_wave(home)
    token = home.tokens["provider_lead"]
    url = f"{V1}/people/by-external-id/HR-7/"

    created = api.put(url, body(home), token=token)
    assert created.status_code == 201, created.content
    person = created.json()
    assert (person["external_id"], person["name"], person["wave"], person["ready"]) == (
        "HR-7",
        "Ana Lima",
        1,
        False,
    )
    assert created["Location"].endswith(f"/api/v1/roster/people/{person['id']}/")

    with tenant_context(home.tenant):
        events = Event.objects.filter(object_id=person["id"]).count()
    again = api.put(url, body(home), token=token)
    assert again.status_code == 200
    with tenant_context(home.tenant):
        assert Event.objects.filter(object_id=person["id"]).count() == events

    moved = api.put(url, body(home, site="Porto"), token=token)
    assert moved.status_code == 200 and moved.json()["site"] == "Porto"
    read = api.get(url, token=token).json()
    assert read["id"] == person["id"] and read["site"] == "Porto"
    with tenant_context(home.tenant):
        assert Person.objects.filter(external_id="HR-7").count() == 1


def test_every_bad_field_of_a_person_is_named_in_one_problem(api, home):
    with tenant_context(home.tenant):
        a_wave(home)
    response = api.put(
        f"{V1}/people/by-external-id/HR-8/",
        body(home, email="not-an-address", role="astronaut", wave=9, colour="blue"),
        token=home.tokens["provider_lead"],
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert "colour" in errors  # unknown fields first, before anything is looked up
    response = api.put(
        f"{V1}/people/by-external-id/HR-8/",
        body(home, email="not-an-address", role="astronaut", wave=9),
        token=home.tokens["provider_lead"],
    )
    errors = response.json()["errors"]
    assert set(errors) == {"email", "role", "wave"}, errors
    assert "astronaut" in errors["role"][0]
    with tenant_context(home.tenant):
        assert not Person.objects.filter(external_id="HR-8").exists()


def test_a_duplicate_person_in_a_wave_is_refused_naming_the_email(api, home):
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    response = api.post(
        f"{V1}/people/", body(home, external_id="HR-9", email=ana.email), token=home.tokens["pmo"]
    )
    assert response.status_code == 400
    assert "already on Wave 1" in response.json()["errors"]["email"][0]


def test_going_live_unready_is_409_naming_what_is_missing(api, home):
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    response = api.patch(
        f"{V1}/people/{ana.public_id}/", {"status": "live"}, token=home.tokens["provider_lead"]
    )
    assert response.status_code == 409
    assert "not ready" in response.json()["detail"]
    assert "certification not passed" in response.json()["detail"]


def test_results_are_recorded_and_a_future_date_or_unknown_module_is_refused(api, home):
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    token = home.tokens["provider_lead"]
    result = {
        "person": str(ana.public_id),
        "requirement": "certification",
        "passed": True,
        "taken_on": "2026-01-30",
        "score": 91,
        "assessor": str(home.provider_staff.public_id),
        "evidence": "LMS 12",
    }
    created = api.post(f"{V1}/results/", result, token=token)
    assert created.status_code == 201, created.content
    assert (created.json()["kind"], created.json()["attempt"]) == ("certification", 1)
    assert api.get(f"{V1}/people/{ana.public_id}/", token=token).json()["status"] == "certified"

    future = api.post(f"{V1}/results/", {**result, "taken_on": "2026-02-03"}, token=token)
    assert future.status_code == 400
    assert "in the future" in future.json()["errors"]["taken_on"][0]
    unknown = api.post(f"{V1}/results/", {**result, "requirement": "cold-calling"}, token=token)
    assert unknown.status_code == 400 and "requirement" in unknown.json()["errors"]
    stranger = api.post(
        f"{V1}/results/", {**result, "assessor": str(home.bystander.public_id)}, token=token
    )
    assert stranger.status_code == 400 and "assessor" in stranger.json()["errors"]
    with tenant_context(home.tenant):
        assert Result.objects.filter(person=ana).count() == 1


def test_access_moves_by_the_side_whose_turn_it_is_in_order(api, home):
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    requested = api.post(
        f"{V1}/access-steps/request/",
        {"engagement": str(home.engagement.public_id), "wave": 1},
        token=home.tokens["provider_lead"],
    )
    assert requested.status_code == 201, requested.content
    steps = requested.json()
    assert {step["system"] for step in steps} == {"crm", "dialer"}
    assert {step["waiting_on"] for step in steps} == {"client"}
    step = f"{V1}/access-steps/{steps[0]['id']}/"

    assert api.post(step + "approve/", {}, token=home.tokens["provider_lead"]).status_code == 403
    early = api.post(step + "verify/", {}, token=home.tokens["provider_lead"])
    assert early.status_code == 409
    assert "not yet approved or provisioned" in early.json()["detail"]
    approved = api.post(step + "approve/", {}, token=home.tokens["client_lead"])
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["waiting_on"]) == ("approved", "provider")
    assert approved.json()["approved_by"] == str(home.client_lead.public_id)
    for name in ("provision", "verify"):
        moved = api.post(step + f"{name}/", {}, token=home.tokens["provider_lead"])
        assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "verified" and moved.json()["waiting_on"] is None

    other = f"{V1}/access-steps/{steps[1]['id']}/"
    no_reason = api.post(other + "refuse/", {}, token=home.tokens["client_lead"])
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    refused = api.post(
        other + "refuse/", {"reason": "Not entitled"}, token=home.tokens["client_lead"]
    )
    assert refused.json()["status"] == "refused"
    listed = api.get(
        f"{V1}/access-steps/?status=verified&person={ana.public_id}",
        token=home.tokens["pmo"],
    ).json()["results"]
    assert [row["id"] for row in listed] == [steps[0]["id"]]


def test_an_erased_person_shows_as_erased_in_the_resource_and_the_feed(api, home):
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    url = f"{V1}/people/{ana.public_id}/"
    assert (
        api.post(
            url + "erase/", {"reason": "GDPR-1"}, token=home.tokens["provider_lead"]
        ).status_code
        == 403
    )
    erased = api.post(url + "erase/", {"reason": "GDPR-1"}, token=home.tokens["pmo"])
    assert erased.status_code == 200
    shown = erased.json()
    assert (shown["erased"], shown["name"], shown["email"]) == (True, "Erased person", None)
    twice = api.post(url + "erase/", {"reason": "again"}, token=home.tokens["pmo"])
    assert twice.status_code == 409 and "already erased" in twice.json()["detail"]

    feed = api.get("/api/v1/changes/?limit=1000", token=home.tokens["pmo"])
    entries = [e for e in feed.json()["results"] if e["id"] == str(ana.public_id)]
    assert entries and all(e["object"]["erased"] for e in entries)
    assert "Ana Lima" not in feed.content.decode()
    assert "ana.lima" not in json.dumps(feed.json())


def test_the_roster_is_hidden_from_a_competing_provider_and_another_tenant(api, home, foreign):
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    for token in (home.tokens["bystander"], foreign.tokens["admin"], foreign.tokens["pmo"]):
        assert api.get(f"{V1}/people/{ana.public_id}/", token=token).status_code == 404
        listed = api.get(f"{V1}/people/", token=token)
        assert ana.external_id not in listed.content.decode()
        url = f"{V1}/people/by-external-id/{ana.external_id}/"
        assert api.get(url, token=token).status_code == 404


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def test_roster_events_reach_a_webhook_and_an_erased_person_arrives_erased(
    api, home, receiver, django_capture_on_commit_callbacks
):
    subscribe(home, receiver.url, ["roster_person.created", "roster_person.updated"])
    with tenant_context(home.tenant):
        ana = a_roster_person(home)
    api.post(f"{V1}/people/{ana.public_id}/erase/", {"reason": "GDPR-1"}, token=home.tokens["pmo"])
    run_beat_and_deliveries(django_capture_on_commit_callbacks, home)

    kinds = [json.loads(r["body"])["event"] for r in receiver.received]
    assert sorted(kinds) == ["roster_person.created", "roster_person.updated"]
    bodies = b"".join(r["body"] for r in receiver.received)
    assert b"Ana Lima" not in bodies and b"ana.lima" not in bodies
    assert all(json.loads(r["body"])["change"]["object"]["erased"] for r in receiver.received)


def test_an_hr_id_on_two_engagements_is_read_and_written_on_the_one_named(api, home):
    """An HR id is unique within an engagement only: PMO, who sees both, names the engagement
    when it is ambiguous, and the other engagement's person is never touched."""
    from roster import services
    from tests.world import add_engagement

    with tenant_context(home.tenant):
        second = add_engagement(home.world, name="Second desk")
        for engagement in (home.engagement, second):
            services.save_wave(actor=home.pmo, engagement=engagement, number=1, start_date=START)
            services.add_person(
                actor=home.pmo,
                engagement=engagement,
                name=f"Dual {engagement.name}",
                email="dual@provider.example",
                role="agent",
                wave=1,
                start_date=START,
                external_id="HR-DUAL",
            )
    token = home.tokens["pmo"]
    url = f"{V1}/people/by-external-id/HR-DUAL/"

    ambiguous = api.get(url, token=token)
    assert ambiguous.status_code == 400
    assert "engagement" in json.dumps(ambiguous.json())

    read = api.get(f"{url}?engagement={second.public_id}", token=token)
    assert read.status_code == 200 and read.json()["name"] == "Dual Second desk"

    changed = api.put(
        url,
        body(home, engagement=str(second.public_id), name="Dual moved", site="Porto"),
        token=token,
    )
    assert changed.status_code == 200, changed.content
    with tenant_context(home.tenant):
        sites = dict(Person.objects.filter(external_id="HR-DUAL").values_list("name", "site"))
    assert sites == {f"Dual {home.engagement.name}": "", "Dual moved": "Porto"}
