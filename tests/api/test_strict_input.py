"""The API says exactly what it does (issue 16 §5): text is text, a bad filter is a 400 naming
it, and one response names every bad field, references included."""

from __future__ import annotations

import json

import pytest

from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import Kpi
from tests.api.endpoints import (
    a_kpi,
    a_raid_item,
    a_webhook,
    free_milestone,
    kickoff_gate,
    new_milestone_body,
    raid_item_body,
)
from tests.api.roster_objects import a_roster_person, an_access_step
from tests.api.test_errors import assert_problem

LONE_SURROGATE = "\ud800"
NOBODY = "00000000-0000-4000-8000-000000000000"


def _schema(api) -> dict:
    return api.get("/api/schema/?format=json").json()


def node_ref_parts(ref: str) -> list[str]:
    return ref.removeprefix("#/").split("/")


def _body_schema(schema: dict, operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _deref(schema, content["application/json"]["schema"])


def text_fields(schema: dict) -> list[tuple[str, str, str]]:
    """Every (method, path, field) whose request body takes a string, or a list of them."""
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch"}:
                continue
            body = _body_schema(schema, operation)
            for name, prop in ((body or {}).get("properties") or {}).items():
                if prop.get("readOnly"):
                    continue
                if _takes_text(schema, prop) or _takes_text(schema, prop.get("items", {})):
                    found.append((method, path, name))
    return found


def _deref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        target = schema
        for part in node_ref_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def _takes_text(schema: dict, prop: dict) -> bool:
    prop = _deref(schema, prop)
    choices = [prop, *prop.get("oneOf", []), *prop.get("anyOf", []), *prop.get("allOf", [])]
    return any(
        (each := _deref(schema, choice)).get("type") == "string" or "enum" in each
        for choice in choices
    )


def real_path(home, path: str) -> str:
    with tenant_context(home.tenant):
        ids = {
            "/api/v1/milestones/{id}/": free_milestone(home).public_id,
            "/api/v1/gates/{id}/": kickoff_gate(home).public_id,
            "/api/v1/raid-items/{id}/": a_raid_item(home).public_id,
            "/api/v1/gate-criteria/{id}/": kickoff_gate(home).criteria.first().public_id,
            "/api/v1/reviews/{id}/": home.engagement.reviews.first().public_id,
            "/api/v1/kpis/{id}/": a_kpi(home).public_id,
            "/api/v1/webhooks/{id}/": a_webhook(home).public_id,
            "/api/v1/roster/people/{id}/": a_roster_person(home).public_id,
            "/api/v1/roster/access-steps/{id}/": an_access_step(home).public_id,
        }
    for prefix, public_id in ids.items():
        if path.startswith(prefix.split("{id}")[0]) and "{id}" in path:
            return path.replace("{id}", str(public_id))
    return path.replace("{external_id}", "TICKET-1")


def test_every_text_and_choice_field_refuses_invalid_unicode_naming_it(api, home):
    """A lone surrogate is not text: every field that takes a string answers 400 naming it,
    never a 500 while echoing it back."""
    api.client.raise_request_exception = False  # a 500 is counted, not raised
    schema = _schema(api)
    fields = text_fields(schema)
    assert len(fields) >= 40
    wrong = []
    for method, path, name in fields:
        url = real_path(home, path)
        body = json.dumps({name: LONE_SURROGATE})
        response = api.call(method, url, body=body, token=home.tokens["admin"])
        problem = response.json() if response.status_code < 500 else {}
        if (
            response.status_code != 400
            or response["Content-Type"] != "application/problem+json"
            or not {name, f"{name}[0]"} & set(problem.get("errors", {}))
        ):
            wrong.append(f"{method.upper()} {path} {name}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_lone_surrogate_in_a_choice_is_a_problem_naming_it(api, home):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
    for field in ("side", "status"):
        response = api.patch(
            f"/api/v1/milestones/{milestone.public_id}/",
            json.dumps({field: LONE_SURROGATE}),
            token=home.tokens["pmo"],
        )
        problem = assert_problem(response, 400)
        assert list(problem["errors"]) == [field]


@pytest.mark.parametrize(
    "raw, message",
    [
        ("12345", "Not a valid string."),
        ("1e999999", "Not a valid string."),
        ("true", "Not a valid string."),
        ('"Badge\\u0007access"', "Control characters are not allowed."),
        ('"Badge\\u0000access"', "Null characters are not allowed."),
    ],
    ids=["integer", "infinity", "boolean", "bell", "nul"],
)
def test_a_text_field_takes_text_only(api, home, raw, message):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
        before = milestone.title
    response = api.patch(
        f"/api/v1/milestones/{milestone.public_id}/",
        f'{{"title": {raw}}}',
        token=home.tokens["pmo"],
    )
    problem = assert_problem(response, 400)
    assert problem["errors"] == {"title": [message]}
    with tenant_context(home.tenant):
        milestone.refresh_from_db()
        assert milestone.title == before


def test_line_breaks_and_tabs_are_text(api, home):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
    response = api.patch(
        f"/api/v1/milestones/{milestone.public_id}/",
        {"description": "First line\r\nSecond\tline", "title": "  Badge access  "},
        token=home.tokens["pmo"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "First line\r\nSecond\tline"
    assert response.json()["title"] == "Badge access"


def test_the_kernel_names_what_is_not_text():
    from kernel.text import unstorable_text

    assert unstorable_text("Badge access\n\tline two") is None
    assert unstorable_text("nul\x00") == "Null characters are not allowed."
    assert unstorable_text("bell\x07") == "Control characters are not allowed."
    assert unstorable_text("del\x7f") == "Control characters are not allowed."
    assert unstorable_text("half \ud800") == "Not valid Unicode text."


# --- Filters ---------------------------------------------------------------------------------

PAGING = {"cursor", "page_size", "after", "limit"}


def list_filters(schema: dict) -> list[tuple[str, str]]:
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] not in PAGING:
                found.append((path, parameter["name"]))
    return found


def test_the_kpis_of_a_malformed_engagement_are_refused_not_all_of_them(api, home):
    problem = assert_problem(api.get("/api/v1/kpis/?engagement=%09", token=home.tokens["pmo"]), 400)
    assert list(problem["errors"]) == ["engagement"]


@pytest.mark.parametrize("value", ["%09", "", "%20", "%00"], ids=["tab", "empty", "space", "nul"])
def test_every_filter_refuses_a_malformed_value_naming_it(api, home, value):
    schema = _schema(api)
    filters = list_filters(schema)
    assert len(filters) >= 25
    ignored = []
    for path, name in filters:
        response = api.get(f"{path}?{name}={value}", token=home.tokens["admin"])
        if response.status_code != 400 or name not in response.json().get("errors", {}):
            ignored.append(f"{path}?{name}={value}: {response.status_code}")
    assert not ignored, "\n".join(ignored)


def test_well_formed_filters_still_filter(api, home):
    engagement = str(home.engagement.public_id)
    response = api.get(f"/api/v1/kpis/?engagement={engagement}", token=home.tokens["pmo"])
    assert response.status_code == 200
    assert {row["engagement"] for row in response.json()["results"]} == {engagement}
    response = api.get(
        "/api/v1/milestones/?status=done&status=in_progress&due_date_after=2026-01-01",
        token=home.tokens["pmo"],
    )
    assert response.status_code == 200, response.content


# --- Every bad field in one answer -------------------------------------------------------------


def test_a_malformed_due_date_and_an_unknown_owner_are_both_named(api, home):
    with tenant_context(home.tenant):
        body = {**new_milestone_body(home), "due_date": "31/01/2026", "owner": NOBODY}
    problem = assert_problem(api.post("/api/v1/milestones/", body, token=home.tokens["pmo"]), 400)
    assert set(problem["errors"]) == {"due_date", "owner"}
    assert problem["errors"]["owner"] == ["The owner must be a member of the engagement."]
    with tenant_context(home.tenant):
        assert not Milestone.objects.filter(title=body["title"]).exists()


def test_an_unknown_engagement_is_named_beside_the_other_bad_fields(api, home):
    with tenant_context(home.tenant):
        body = {
            **new_milestone_body(home),
            "engagement": NOBODY,
            "title": 5,
            "depends_on": [NOBODY],
        }
    problem = assert_problem(api.post("/api/v1/milestones/", body, token=home.tokens["pmo"]), 400)
    assert set(problem["errors"]) == {"engagement", "title", "depends_on"}


def test_a_patch_names_a_bad_owner_and_a_bad_dependency_with_a_bad_side(api, home):
    with tenant_context(home.tenant):
        milestone = free_milestone(home)
    response = api.patch(
        f"/api/v1/milestones/{milestone.public_id}/",
        {"owner": NOBODY, "depends_on": [NOBODY], "side": "vendor"},
        token=home.tokens["pmo"],
    )
    problem = assert_problem(response, 400)
    assert set(problem["errors"]) == {"owner", "depends_on", "side"}


def test_a_raid_item_names_its_unknown_owner_beside_a_bad_date(api, home):
    with tenant_context(home.tenant):
        body = {**raid_item_body(home), "owner": NOBODY, "due_date": "soon"}
        before = RaidItem.objects.count()
    problem = assert_problem(api.post("/api/v1/raid-items/", body, token=home.tokens["pmo"]), 400)
    assert set(problem["errors"]) == {"owner", "due_date"}
    with tenant_context(home.tenant):
        assert RaidItem.objects.count() == before


def test_a_kpi_names_its_unknown_engagement_beside_a_bad_target(api, home):
    body = {
        "engagement": NOBODY,
        "key": "aht",
        "name": "Handle time",
        "target": "fast",
        "direction": "lower",
    }
    problem = assert_problem(api.post("/api/v1/kpis/", body, token=home.tokens["pmo"]), 400)
    assert set(problem["errors"]) == {"engagement", "target"}
    with tenant_context(home.tenant):
        assert not Kpi.objects.filter(name="Handle time").exists()


def test_a_measurement_names_its_unknown_kpi_beside_a_bad_day(api, home):
    body = {"kpi": NOBODY, "measured_on": "yesterday", "value": "1"}
    response = api.post("/api/v1/kpi-measurements/", body, token=home.tokens["pmo"])
    problem = assert_problem(response, 400)
    assert set(problem["errors"]) == {"kpi", "measured_on"}


def test_a_token_names_its_unknown_member_beside_a_bad_name(api, home):
    body = {"name": "x" * 101, "user": NOBODY}
    response = api.post("/api/v1/api-tokens/", body, token=home.tokens["admin"])
    problem = assert_problem(response, 400)
    assert set(problem["errors"]) == {"name", "user"}
