"""The roster's pages as people use them: the heat map with its counts and filters, a person's
page and its forms, waves, adding a person, requesting access, moving a batch. Refusals land
beside their field with what was typed kept, at 400 or 409."""

from __future__ import annotations

import re

import pytest
import time_machine

from audit.models import Event
from roster import access
from roster.models import AccessBatch, AccessStep, Person, Result, Wave
from tests.roster.world import (
    TODAY,
    add_people,
    add_wave,
    certify_person,
    give_access,
    train,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def base(world) -> str:
    return f"/engagements/{world.engagement.public_id}/roster/"


def text(response) -> str:
    """The page's visible words, tags stripped and spaces folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def cells_of(response, name: str) -> list[tuple[str, str]]:
    """(state, title) of each heat map cell on ``name``'s row."""
    html = response.content.decode()
    row = re.search(
        rf"<tr[^>]*>\s*<th scope=\"row\"[^>]*>(?:(?!</tr>).)*?>{name}</a>(.*?)</tr>", html, re.S
    )
    assert row, f"no row for {name}"
    return re.findall(r'<td class="rc rc-([a-z]+)" title="([^"]*)"', row.group(1))


@pytest.fixture
def roster(world):
    """Wave 1: Agent 01 ready, Agent 02 trained but not certified, Agent 03 nothing yet;
    wave 2: two agents who start later."""
    wave = add_wave(world)
    people = add_people(world, wave, 3)
    train(world, people[0])
    give_access(world, [people[0]])
    train(world, people[1], certify=False)
    import datetime

    later = add_wave(world, 2, start_date=datetime.date(2026, 3, 2))
    add_people(world, later, 2, prefix="Late")
    return people


def test_the_heat_map_shows_each_cell_by_state_and_the_counts_per_wave(client, world, roster):
    client.force_login(world.client_lead)
    response = client.get(base(world))
    assert response.status_code == 200
    words = text(response)
    assert "Wave 1" in words and "Wave 2" in words
    counts = re.findall(r'data-counts="(\d+)">(.*?)</dl>', response.content.decode(), re.S)
    first = re.sub(r"<[^>]+>|\s+", " ", counts[0][1])
    assert re.sub(r"\s+", " ", first).strip() == (
        "Ready 1 of 3 Certified 1 of 3 Access verified 1 of 3"
    )
    ready = cells_of(response, "Agent 01")
    # Other roles' requirements are drawn as "not required" (na) on an agent's row.
    assert {state for state, _title in ready} == {"passed", "verified", "na"}
    assert ("na", "not required of this role") in ready
    trained = dict((title, state) for state, title in cells_of(response, "Agent 02"))
    assert trained["Script delivery: passed"] == "passed"
    assert trained["Script certification: not yet"] == "none"
    assert trained["CRM: not requested yet"] == "none"
    # The provider's track and the client's side by side, and who each person waits on.
    assert "Provider: training and certification" in words
    assert "Client systems: the client approves, the provider provisions" in words


def test_filters_in_the_url_keep_only_the_matching_people(client, world, roster):
    client.force_login(world.provider_lead)
    batch = access.request_access(
        actor=world.provider_lead, engagement=world.engagement, people=[roster[1]]
    )
    assert batch
    waiting_on_client = text(client.get(base(world) + "?waiting=client"))
    assert "Agent 02" in waiting_on_client
    assert "Agent 03" not in waiting_on_client and "Agent 01" not in waiting_on_client
    # Overdue: started (19 Jan) and not ready on 2 Feb; wave 2 starts in March.
    overdue = text(client.get(base(world) + "?overdue=on"))
    assert "Agent 02" in overdue and "Agent 03" in overdue
    assert "Agent 01" not in overdue and "Late 01" not in overdue
    second = text(client.get(base(world) + "?wave=2"))
    assert "Late 01" in second and "Agent 01" not in second
    # An old link's unknown wave is ignored, never a 500.
    assert client.get(base(world) + "?wave=77&role=pilot").status_code == 200


@pytest.mark.parametrize("size", [5, 50])
def test_the_roster_page_takes_the_same_number_of_queries_whatever_its_size(
    client, world, django_assert_num_queries, size
):
    wave = add_wave(world)
    people = add_people(world, wave, size)
    train(world, people[0])
    give_access(world, people[:2])
    client.force_login(world.pmo)
    client.get(base(world))  # the session and the tenant are loaded once
    with django_assert_num_queries(QUERIES):
        response = client.get(base(world))
    assert text(response).count("Agent ") >= size


QUERIES = 10


def test_a_person_page_shows_every_attempt_and_each_access_step_with_its_person(
    client, world, roster
):
    ana = roster[0]
    first = certify_person(world, roster[2], passed=False, score=55)
    assert first.attempt == 1
    client.force_login(world.client_staff)
    words = text(client.get(base(world) + f"people/{ana.public_id}/"))
    assert "Ready" in words
    assert f"Approved 2 Feb 2026 by {world.client_lead}" in words
    assert f"Verified 2 Feb 2026 by {world.provider_lead}" in words
    failed = text(client.get(base(world) + f"people/{roster[2].public_id}/"))
    assert "Script certification 1 failed 30 Jan 2026 55" in failed
    assert "Still missing: Script delivery not passed" in failed


def test_recording_a_result_and_a_refused_one_keeps_what_was_typed(client, world, roster):
    ada = roster[2]
    client.force_login(world.provider_lead)
    url = base(world) + f"people/{ada.public_id}/result/"
    refused = client.post(
        url,
        {
            "result-requirement": "certification",
            "result-passed": "yes",
            "result-taken_on": "2026-02-01",
            "result-score": "70",
            "result-evidence": "scan-0042.pdf",
        },
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert re.search(r'id="id_result-score_error">[^<]*below the pass mark of 80', html)
    assert 'value="scan-0042.pdf"' in html
    assert Result.objects.filter(person=ada).count() == 0
    done = client.post(
        url,
        {
            "result-requirement": "certification",
            "result-passed": "no",
            "result-taken_on": "2026-02-01",
            "result-score": "70",
            "result-assessor": str(world.provider_staff.pk),
        },
    )
    assert done.status_code == 302
    result = Result.objects.get(person=ada)
    assert (result.passed, result.score, result.assessor) == (False, 70, world.provider_staff)


def test_live_is_refused_naming_what_is_missing_beside_the_status(client, world, roster):
    client.force_login(world.provider_lead)
    bob = roster[1]
    response = client.post(
        base(world) + f"people/{bob.public_id}/status/", {"status-status": "live"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    error = re.search(r'id="id_status-status_error">([^<]*)<', html)
    assert error and "Agent 02 is not ready: Script certification not passed" in error.group(1)
    bob.refresh_from_db()
    assert bob.status == "in_training"
    ready = client.post(
        base(world) + f"people/{roster[0].public_id}/status/", {"status-status": "live"}
    )
    assert ready.status_code == 302
    assert Person.objects.get(pk=roster[0].pk).status == "live"


def test_changing_details_refuses_a_duplicate_beside_the_email(client, world, roster):
    client.force_login(world.provider_lead)
    url = base(world) + f"people/{roster[1].public_id}/details/"
    values = {
        "details-name": "Bea Renamed",
        "details-email": roster[0].email,
        "details-role": "agent",
        "details-wave": "1",
        "details-start_date": "2026-01-19",
        "details-site": "Lisbon",
        "details-external_id": "HR-1-AG002",
    }
    response = client.post(url, values)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_details-email_error">[^<]*already on Wave 1', html)
    assert 'value="Bea Renamed"' in html
    assert Person.objects.get(pk=roster[1].pk).name == "Agent 02"
    values["details-email"] = "bea@example.com"
    assert client.post(url, values).status_code == 302
    changed = Person.objects.get(pk=roster[1].pk)
    assert (changed.name, changed.site) == ("Bea Renamed", "Lisbon")


def test_pmo_erases_a_person_once_and_a_second_erasure_is_refused(client, world, roster):
    ana = roster[0]
    url = base(world) + f"people/{ana.public_id}/erase/"
    client.force_login(world.provider_lead)
    assert client.post(url, {"erase-reason": "GDPR-17"}).status_code == 403
    client.force_login(world.pmo)
    missing = client.post(url, {"erase-reason": ""})
    assert missing.status_code == 400
    assert re.search(r'id="id_erase-reason_error">', missing.content.decode())
    assert client.post(url, {"erase-reason": "GDPR-17"}).status_code == 302
    ana.refresh_from_db()
    assert ana.name == "Erased person"
    assert Result.objects.filter(person=ana).count() > 0
    again = client.post(url, {"erase-reason": "GDPR-18"})
    assert again.status_code == 409
    assert re.search(r'id="id_erase-reason_error">[^<]*already erased', again.content.decode())
    assert Event.objects.filter(note="Erased: GDPR-17").count() == 1
    assert "Agent 01" not in text(client.get(base(world)))


def test_a_wave_without_a_start_date_is_refused_beside_the_field(client, world):
    client.force_login(world.provider_lead)
    response = client.post(base(world) + "waves/new/", {"number": "1", "name": "Pilot"})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_start_date_error">Enter a date', html)
    assert 'value="Pilot"' in html
    assert not Wave.objects.filter(engagement=world.engagement).exists()
    done = client.post(
        base(world) + "waves/new/",
        {"number": "1", "name": "Pilot", "start_date": "2026-01-19", "go_live_date": "2026-03-02"},
    )
    assert done.status_code == 302
    wave = Wave.objects.get(engagement=world.engagement)
    edit = base(world) + f"waves/{wave.public_id}/"
    assert client.get(edit).status_code == 200
    late = client.post(
        edit, {"name": "Pilot", "start_date": "2026-04-01", "go_live_date": "2026-03-02"}
    )
    assert late.status_code == 400
    assert re.search(
        r'id="id_go_live_date_error">[^<]*goes live before it starts', late.content.decode()
    )
    taken = client.post(base(world) + "waves/new/", {"number": "1", "start_date": "2026-01-19"})
    assert taken.status_code == 400 and "Wave 1 exists already" in taken.content.decode()


def test_adding_a_person_by_hand(client, world):
    add_wave(world)
    client.force_login(world.provider_lead)
    url = base(world) + "people/new/"
    values = {
        "name": "Carla Mendes",
        "email": "not-an-email",
        "role": "agent",
        "wave": "1",
        "start_date": "2026-01-19",
    }
    response = client.post(url, values)
    assert response.status_code == 400
    assert re.search(
        r'id="id_email_error">[^<]*is not an e-mail address', response.content.decode()
    )
    assert 'value="Carla Mendes"' in response.content.decode()
    values["email"] = "carla@example.com"
    assert client.post(url, values).status_code == 302
    assert Person.objects.get(engagement=world.engagement).name == "Carla Mendes"
    client.force_login(world.client_lead)
    assert client.get(url).status_code == 403


def test_requesting_access_for_a_selection_or_a_wave_makes_one_batch(client, world, roster):
    client.force_login(world.provider_lead)
    url = base(world) + "access/request/"
    nobody = client.post(url, {})
    assert nobody.status_code == 400
    assert "Choose a wave or at least one person" in text(nobody)
    response = client.post(url, {"people": [str(roster[1].public_id), str(roster[2].public_id)]})
    assert response.status_code == 302
    batch = AccessBatch.objects.filter(engagement=world.engagement).order_by("-id").first()
    assert response["Location"].endswith(f"/batches/{batch.public_id}/")
    assert AccessStep.objects.filter(batch=batch).count() == 2 * 2
    wave = Wave.objects.get(engagement=world.engagement, number=2)
    assert client.post(url, {"wave": str(wave.public_id)}).status_code == 302
    again = client.post(url, {"people": [str(roster[1].public_id)]})
    assert again.status_code == 409
    assert "already requested" in text(again)
    # The selection is kept on the refused page.
    assert re.search(
        rf'value="{roster[1].public_id}" form="bulk-access"[^>]* checked', again.content.decode()
    )


def test_a_batch_moves_all_or_nothing_and_names_each_step_it_refuses(client, world, roster):
    wave = Wave.objects.get(engagement=world.engagement, number=1)
    batch = access.request_access(
        actor=world.provider_lead, engagement=world.engagement, people=roster[1:]
    )
    assert wave
    page = base(world) + f"batches/{batch.public_id}/"
    url = page + "advance/"
    steps = list(AccessStep.objects.filter(batch=batch).order_by("id"))
    client.force_login(world.provider_lead)
    words = text(client.get(page))
    assert "Waiting on the client 4 to approve" in words
    assert "Oldest waiting Agent 02" in words
    assert client.post(url, {"do": "approve:all"}).status_code == 403
    early = client.post(url, {"do": "verify:selected", "steps": [str(steps[0].public_id)]})
    assert early.status_code == 409
    assert "Agent 02, CRM: not yet approved or provisioned" in text(early)
    client.force_login(world.client_lead)
    assert (
        client.post(url, {"do": "approve:selected", "steps": [str(steps[0].public_id)]}).status_code
        == 302
    )
    no_reason = client.post(url, {"do": "refuse:selected", "steps": [str(steps[1].public_id)]})
    assert no_reason.status_code == 400
    assert re.search(r'id="id_reason_error">', no_reason.content.decode())
    client.force_login(world.provider_lead)
    mixed = client.post(
        url, {"do": "provision:selected", "steps": [str(step.public_id) for step in steps[:2]]}
    )
    assert mixed.status_code == 409
    assert "Cannot provision 1 of 2" in text(mixed)
    assert AccessStep.objects.filter(batch=batch, status="provisioned").count() == 0
    client.force_login(world.client_lead)
    assert client.post(url, {"do": "approve:all"}).status_code == 302
    client.force_login(world.provider_lead)
    assert client.post(url, {"do": "provision:all"}).status_code == 302
    assert client.post(url, {"do": "verify:all"}).status_code == 302
    assert AccessStep.objects.filter(batch=batch, status="verified").count() == 4
    assert "Batch" in text(client.get(base(world) + "batches/"))


def test_moving_a_batch_runs_no_query_per_step(client, world, django_assert_max_num_queries):
    wave = add_wave(world)
    people = add_people(world, wave, 20)
    batch = access.request_access(actor=world.provider_lead, engagement=world.engagement, wave=wave)
    client.force_login(world.client_lead)
    url = base(world) + f"batches/{batch.public_id}/advance/"
    client.get(base(world))
    with django_assert_max_num_queries(25):
        response = client.post(url, {"do": "approve:all"})
    assert response.status_code == 302
    assert AccessStep.objects.filter(batch=batch, status="approved").count() == 2 * len(people)


def test_a_requirement_name_is_escaped_in_the_heat_map(client, world):
    """The cells are drawn in Python (for speed): a playbook's names still reach the page as
    text, never as markup."""
    from roster.models import Requirement

    wave = add_wave(world)
    add_people(world, wave, 1)
    Requirement.objects.filter(engagement=world.engagement, key="crm").update(
        name='<img src=x onerror="alert(1)"> CRM & co'
    )
    client.force_login(world.pmo)
    html = client.get(base(world)).content.decode()
    assert "<img src=x" not in html
    assert (
        'title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt; CRM &amp; co: not requested yet"'
        in html
    )
