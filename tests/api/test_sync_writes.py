"""Writes a consumer can retry safely: the upsert by external id, Idempotency-Key, ETags."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api.models import IdempotencyKey
from audit.models import Event
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.api.conftest import Api, build_api_world
from tests.api.endpoints import free_milestone, milestone_body, new_milestone_body


def milestone_state(world, **lookup):
    with tenant_context(world.tenant):
        found = Milestone.objects.filter(**lookup).first()
        return None if found is None else (found.title, found.version, found.status)


def event_count(world) -> int:
    with tenant_context(world.tenant):
        return Event.objects.count()


def body_of(world, maker, *args, **kwargs):
    with tenant_context(world.tenant):
        return maker(world, *args, **kwargs)


# --- PUT by external id ----------------------------------------------------------------------


def test_the_upsert_creates_then_changes_nothing_the_second_time(api, home):
    token = home.tokens["pmo"]
    body = body_of(home, new_milestone_body)
    url = "/api/v1/milestones/by-external-id/TICKET-4711/"
    created = api.put(url, body, token=token)
    assert created.status_code == 201, created.content
    assert created.json()["external_id"] == "TICKET-4711"
    assert created.json()["version"] == 1
    assert created["Location"].endswith(f"/api/v1/milestones/{created.json()['id']}/")
    events = event_count(home)

    again = api.put(url, body, token=token)
    assert again.status_code == 200
    assert again.json() == created.json()
    assert again["ETag"] == created["ETag"]
    assert event_count(home) == events
    assert milestone_state(home, external_id="TICKET-4711")[1] == 1

    changed = api.put(url, {**body, "title": "Wallboard shows live queue and SLA"}, token=token)
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert changed["ETag"] != created["ETag"]
    assert event_count(home) == events + 1


def test_the_upsert_replaces_a_milestone_that_already_has_the_external_id(api, home):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
        Milestone.objects.filter(pk=milestone.pk).update(external_id="CRM-1")
        body = milestone_body(home, title="Renamed by the CRM")
    response = api.put("/api/v1/milestones/by-external-id/CRM-1/", body, token=home.tokens["pmo"])
    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(milestone.public_id)
    assert milestone_state(home, pk=milestone.pk)[:2] == ("Renamed by the CRM", 2)


def test_the_upsert_refuses_a_body_naming_another_external_id(api, home):
    body = {**body_of(home, new_milestone_body), "external_id": "OTHER"}
    response = api.put("/api/v1/milestones/by-external-id/MINE/", body, token=home.tokens["pmo"])
    assert response.status_code == 400
    assert response.json()["errors"] == {"external_id": ["Must match the external id in the URL."]}
    assert milestone_state(home, external_id="MINE") is None


# --- Idempotency-Key -------------------------------------------------------------------------


def test_a_retried_post_with_the_same_key_creates_one_milestone(api, home):
    body = body_of(home, new_milestone_body)
    token = home.tokens["pmo"]
    first = api.post("/api/v1/milestones/", body, token=token, idempotency_key="k-1")
    retry = api.post("/api/v1/milestones/", body, token=token, idempotency_key="k-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["ETag"] == first["ETag"]
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    with tenant_context(home.tenant):
        assert Milestone.objects.filter(title=body["title"]).count() == 1
    # Without a key, the same body is a second milestone.
    assert api.post("/api/v1/milestones/", body, token=token).status_code == 201
    with tenant_context(home.tenant):
        assert Milestone.objects.filter(title=body["title"]).count() == 2


def test_the_same_key_with_another_body_is_refused_and_does_nothing(api, home):
    body = body_of(home, new_milestone_body)
    token = home.tokens["pmo"]
    assert (
        api.post("/api/v1/milestones/", body, token=token, idempotency_key="k").status_code == 201
    )
    other = {**body, "title": "Something else"}
    response = api.post("/api/v1/milestones/", other, token=token, idempotency_key="k")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert milestone_state(home, title="Something else") is None


def test_keys_belong_to_one_token_and_expire_after_a_day(api, home):
    body = body_of(home, new_milestone_body)
    first = api.post("/api/v1/milestones/", body, token=home.tokens["pmo"], idempotency_key="k")
    # Another token's key space is its own.
    other = api.post("/api/v1/milestones/", body, token=home.tokens["admin"], idempotency_key="k")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    with tenant_context(home.tenant):
        IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    later = api.post("/api/v1/milestones/", body, token=home.tokens["pmo"], idempotency_key="k")
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in later


def test_expired_keys_of_every_tenant_are_purged(api, home, foreign):
    from api.tasks import purge_expired_idempotency_keys

    for world in (home, foreign):
        for key in ("old", "new"):
            body = body_of(world, new_milestone_body)
            api.post("/api/v1/milestones/", body, token=world.tokens["pmo"], idempotency_key=key)
        with tenant_context(world.tenant):
            IdempotencyKey.objects.filter(key="old").update(
                created_at=timezone.now() - datetime.timedelta(hours=25)
            )
    assert purge_expired_idempotency_keys.apply().get() == 2
    for world in (home, foreign):
        with tenant_context(world.tenant):
            assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_a_refused_post_keeps_no_key_so_its_retry_runs_again(api, home):
    body = {**body_of(home, new_milestone_body), "owner": str(home.bystander.public_id)}
    token = home.tokens["pmo"]
    refused = api.post("/api/v1/milestones/", body, token=token, idempotency_key="retry-me")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"owner": ["The owner must be a member of the engagement."]}
    fixed = api.post(
        "/api/v1/milestones/",
        {**body, "owner": str(home.provider_lead.public_id)},
        token=token,
        idempotency_key="retry-me",
    )
    assert fixed.status_code == 201


def test_a_token_issued_under_a_key_is_not_stored_in_plain_text(api, home):
    token = home.tokens["admin"]
    first = api.post("/api/v1/api-tokens/", {"name": "BI"}, token=token, idempotency_key="t-1")
    secret = first.json()["token"]
    assert secret.startswith("bpo_")
    replay = api.post("/api/v1/api-tokens/", {"name": "BI"}, token=token, idempotency_key="t-1")
    assert replay.status_code == 201
    assert replay.json() == {**first.json(), "token": None}
    with tenant_context(home.tenant):
        assert all(secret not in row.response_body for row in IdempotencyKey.objects.all())


@pytest.mark.parametrize("key", ["", " spaced key", "é", "x" * 256])
def test_a_malformed_key_is_a_bad_request(api, home, key):
    response = api.post(
        "/api/v1/milestones/",
        body_of(home, new_milestone_body),
        token=home.tokens["pmo"],
        idempotency_key=key,
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (the test SQLite is one shared in-memory file); "
    "CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_do_the_work_once():
    home = build_api_world("Alpha")
    body = body_of(home, new_milestone_body)
    results, barrier = [], threading.Barrier(2)

    def post():
        try:
            barrier.wait(timeout=10)
            response = Api(Client()).post(
                "/api/v1/milestones/", body, token=home.tokens["pmo"], idempotency_key="race"
            )
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _id in results] == [201, 201]
    assert results[0][1] == results[1][1]
    with tenant_context(home.tenant):
        assert Milestone.objects.filter(title=body["title"]).count() == 1


# --- ETag, If-Match, If-None-Match ---------------------------------------------------------


def test_every_object_response_has_an_etag_that_if_none_match_answers_304(api, home):
    with tenant_context(home.tenant):
        url = f"/api/v1/milestones/{free_milestone(home).public_id}/"
    first = api.get(url, token=home.tokens["pmo"])
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    unchanged = api.get(url, token=home.tokens["pmo"], if_none_match=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert api.get(url, token=home.tokens["pmo"], if_none_match='"other"').status_code == 200
    for path in ("/api/v1/engagements/", "/api/v1/gates/", "/api/v1/kpis/"):
        row = api.get(path, token=home.tokens["pmo"]).json()["results"][0]
        one = api.get(f"{path}{row['id']}/", token=home.tokens["pmo"])
        assert one["ETag"]
        assert (
            api.get(
                one.wsgi_request.path, token=home.tokens["pmo"], if_none_match=one["ETag"]
            ).status_code
            == 304
        )


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_changes_nothing(api, home, method):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
        body = milestone_body(home, title="Mine")
    url = f"/api/v1/milestones/{milestone.public_id}/"
    token = home.tokens["pmo"]
    stale = api.get(url, token=token)["ETag"]
    assert api.patch(url, {"title": "Theirs"}, token=token, if_match=stale).status_code == 200
    before, events = milestone_state(home, pk=milestone.pk), event_count(home)
    response = {
        "put": lambda: api.put(url, body, token=token, if_match=stale),
        "patch": lambda: api.patch(url, {"title": "Mine"}, token=token, if_match=stale),
        "delete": lambda: api.delete(url, token=token, if_match=stale),
    }[method]()
    assert response.status_code == 412
    assert response.json()["title"] == "Precondition failed"
    assert milestone_state(home, pk=milestone.pk) == before == ("Theirs", 2, before[2])
    assert event_count(home) == events


def test_a_current_if_match_lets_the_write_through(api, home):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
    url = f"/api/v1/milestones/{milestone.public_id}/"
    token = home.tokens["pmo"]
    etag = api.get(url, token=token)["ETag"]
    changed = api.patch(url, {"status": "in_progress"}, token=token, if_match=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert api.delete(url, token=token, if_match=changed["ETag"]).status_code == 204
    assert milestone_state(home, pk=milestone.pk) is None


def test_a_stale_if_match_on_a_gate_action_changes_nothing(api, home):
    gates = api.get("/api/v1/gates/?phase=kickoff", token=home.tokens["pmo"]).json()["results"]
    url = f"/api/v1/gates/{gates[0]['id']}/"
    etag = api.get(url, token=home.tokens["pmo"])["ETag"]
    assert (
        api.post(
            url + "attest/", {"side": "provider"}, token=home.tokens["provider_lead"]
        ).status_code
        == 200
    )
    response = api.post(url + "request-decision/", {}, token=home.tokens["pmo"], if_match=etag)
    assert response.status_code == 412
    assert api.get(url, token=home.tokens["pmo"]).json()["status"] == "open"
