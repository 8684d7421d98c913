"""Errors are RFC 9457 problems, and no request, however malformed, produces a 500."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import override_settings

from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.api.endpoints import free_milestone, new_milestone_body

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) >= PROBLEM_KEYS
    assert problem["status"] == status
    return problem


def new_body(world) -> dict:
    with tenant_context(world.tenant):
        return new_milestone_body(world)


def test_unknown_and_invalid_fields_are_each_named_and_nothing_is_written(api, home):
    body = {
        **new_body(home),
        "colour": "red",
        "priority": 1,
        "due_date": "31/01/2026",
        "side": "vendor",
        "depends_on": ["not-a-uuid"],
    }
    problem = assert_problem(api.post("/api/v1/milestones/", body, token=home.tokens["pmo"]), 400)
    assert set(problem["errors"]) == {"colour", "priority", "due_date", "side", "depends_on[0]"}
    assert problem["errors"]["colour"] == ["Unknown field."]
    with tenant_context(home.tenant):
        assert not Milestone.objects.filter(title=body["title"]).exists()


def test_missing_fields_are_each_named(api, home):
    problem = assert_problem(api.post("/api/v1/milestones/", {}, token=home.tokens["pmo"]), 400)
    assert set(problem["errors"]) == {"engagement", "phase", "title", "owner", "side", "due_date"}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"title": "x",}',
        b"\xff\xfe\x00",
        b'{"value": NaN}',
        b"[" * 100_000,
        b'"just a string"',
        b"[1, 2, 3]",
        b"null",
        b"12",
        '{"title": "\u0000"}'.encode(),
    ],
    ids=[
        "broken",
        "trailing-comma",
        "not-utf8",
        "nan",
        "deeply-nested",
        "string",
        "list",
        "null",
        "number",
        "nul-character",
    ],
)
def test_malformed_bodies_are_bad_requests(api, home, body):
    for method, url in (
        ("POST", "/api/v1/milestones/"),
        ("POST", "/api/v1/kpi-measurements/bulk/"),
    ):
        response = api.call(method, url, token=home.tokens["pmo"], body=body)
        assert_problem(response, 400)


def test_wrong_types_in_every_field_are_bad_requests(api, home):
    with tenant_context(home.tenant):
        url = f"/api/v1/milestones/{free_milestone(home).public_id}/"
    for value in (None, 12, 1.5, True, [], {}, "x" * 10_000, "\u202e\U0001f600", -1):
        for field in ("title", "owner", "due_date", "status", "depends_on", "evidence_required"):
            response = api.patch(url, {field: value}, token=home.tokens["pmo"])
            assert response.status_code in {200, 400}, (field, value, response.content)


def test_a_huge_body_is_refused(api, home):
    body = {**new_body(home), "description": "x" * 3_000_000}
    response = api.post("/api/v1/milestones/", body, token=home.tokens["pmo"])
    assert_problem(response, 413)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/milestones/not-a-uuid/",
        "/api/v1/milestones/00000000-0000-0000-0000-000000000000/",
        "/api/v1/milestones/by-external-id/%00/",
        "/api/v1/milestones/by-external-id/%E2%80%AEnope/",
        "/api/v1/nothing/",
        "/api/v1/milestones",
        "/api/",
    ],
)
def test_no_such_object_or_endpoint_is_a_problem_404(api, home, url):
    assert_problem(api.get(url, token=home.tokens["pmo"]), 404)


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage",
        "cursor=%00%01",
        "cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "page_size=0",
        "page_size=abc",
        "page_size=100000000000000000000000",
        "page_size=%D9%A3",
        "updated_since=yesterday",
        "due_date_after=2026-13-01",
        "owner=nobody",
        "status=finished",
        "engagement=%00",
    ],
)
def test_bad_query_parameters_are_bad_requests(api, home, query):
    problem = assert_problem(api.get(f"/api/v1/milestones/?{query}", token=home.tokens["pmo"]), 400)
    assert problem["errors"]


def test_method_accept_and_content_type_errors_are_problems(api, home):
    token = home.tokens["pmo"]
    assert_problem(api.call("DELETE", "/api/v1/milestones/", token=token), 405)
    assert_problem(
        api.client.get(
            "/api/v1/milestones/", HTTP_ACCEPT="text/csv", HTTP_AUTHORIZATION=f"Bearer {token}"
        ),
        406,
    )
    response = api.client.post(
        "/api/v1/milestones/",
        data="title=x",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_problem(response, 415)


def test_head_answers_like_get_and_options_is_not_offered(api, home, foreign):
    with tenant_context(foreign.tenant):
        foreign_url = f"/api/v1/milestones/{free_milestone(foreign).public_id}/"
    with tenant_context(home.tenant):
        url = f"/api/v1/milestones/{free_milestone(home).public_id}/"
    token = home.tokens["pmo"]
    head = api.call("HEAD", url, token=token)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == api.get(url, token=token)["ETag"]
    for target in (url, foreign_url, "/api/v1/milestones/"):
        assert_problem(api.call("OPTIONS", target, token=token), 405)


def test_a_token_is_throttled_with_retry_after(api, home):
    cache.clear()
    limited = {"DEFAULT_THROTTLE_RATES": {"api": "3/min"}}
    from django.conf import settings

    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, **limited}):
        statuses = [
            api.get("/api/v1/engagements/", token=home.tokens["pmo"]).status_code for _ in range(3)
        ]
        throttled = api.get("/api/v1/engagements/", token=home.tokens["pmo"])
        # Another token has its own allowance.
        other = api.get("/api/v1/engagements/", token=home.tokens["admin"])
    cache.clear()
    assert statuses == [200, 200, 200]
    assert_problem(throttled, 429)
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert other.status_code == 200


def test_a_session_calls_the_api_with_csrf(home):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(home.pmo)
    assert browser.get("/api/v1/engagements/").status_code == 200
    body = new_body(home)
    refused = browser.post("/api/v1/milestones/", body, content_type="application/json")
    assert_problem(refused, 403)
    assert "CSRF" in refused.json()["detail"]
    browser.get("/")  # the page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/milestones/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    ("since", "status"),
    [
        # Python accepts this offset, PostgreSQL would not: compared in UTC, it is an answer.
        ("2026-01-01T00:00:00-21:42", 200),
        ("0001-01-01T00:00:00+23:00", 400),
        ("not a time", 400),
    ],
)
def test_updated_since_with_any_offset_is_an_answer_never_a_database_error(
    api, home, since, status
):
    query = urlencode({"updated_since": since})
    response = api.get(f"/api/v1/milestones/?{query}", token=home.tokens["pmo"])
    assert response.status_code == status, response.content[:300]
