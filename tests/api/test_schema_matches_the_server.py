"""The OpenAPI document says what the server accepts (issue 16 §5): a request the schema
calls valid is not refused for its shape, and one it calls invalid is."""

from __future__ import annotations

import random
import re
from urllib.parse import urlencode

import pytest

from accounts.models import known_time_zones
from api import feed
from api.rest.pagination import encode_cursor
from kernel.tenancy import tenant_context
from tests.api.endpoints import a_kpi, a_raid_item, raid_item_body
from tests.api.test_errors import assert_problem

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture
def document(api):
    return api.get("/api/schema/?format=json").json()


def component(document, name: str) -> dict:
    return document["components"]["schemas"][name]


def query_parameter(document, path: str, name: str) -> dict:
    parameters = document["paths"][path]["get"]["parameters"]
    return next(parameter for parameter in parameters if parameter["name"] == name)


def test_every_cursor_the_schema_allows_is_one_the_server_reads(api, home, document):
    """The cursor is opaque, but its form is exact: a value the schema allows (22 characters
    that the old pattern also allowed, like 0000000000000000000000) pages, never a 400."""
    pattern = query_parameter(document, "/api/v1/milestones/", "cursor")["schema"]["pattern"]
    rng = random.Random(16)
    cursors = [
        "".join(rng.choice(BASE64URL) for _ in range(21)) + rng.choice("AQgw") for _ in range(20)
    ]
    for cursor in ["AAAAAAAAAAAAAAAAAAAAAA", *cursors]:
        assert re.fullmatch(pattern, cursor)
        response = api.get(f"/api/v1/milestones/?cursor={cursor}", token=home.tokens["pmo"])
        assert response.status_code == 200, (cursor, response.content)
    assert not re.fullmatch(pattern, "0000000000000000000000")
    assert_problem(
        api.get("/api/v1/milestones/?cursor=0000000000000000000000", token=home.tokens["pmo"]),
        400,
    )
    assert re.fullmatch(pattern, encode_cursor("6f9619ff-8b86-d011-b42d-00c04fc964ff"))


def test_the_change_feed_says_its_limits_and_that_its_cursor_is_opaque(document):
    limit = query_parameter(document, "/api/v1/changes/", "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, feed.MAX_LIMIT)
    after = query_parameter(document, "/api/v1/changes/", "after")
    assert after["description"].startswith("Opaque")


def test_request_bodies_refuse_fields_they_do_not_know(document):
    requests = [
        name
        for name, schema in document["components"]["schemas"].items()
        if name.endswith("Request") and schema.get("type") == "object"
    ]
    assert len(requests) >= 15
    open_ended = [
        name
        for name in requests
        if component(document, name).get("additionalProperties") is not False
    ]
    assert not open_ended


def test_lists_that_must_not_be_empty_say_so(document):
    assert component(document, "WebhookRequest")["properties"]["event_types"]["minItems"] == 1
    batch = component(document, "MeasurementBatchRequest")
    assert batch["properties"]["measurements"]["minItems"] == 1


def test_a_time_zone_is_one_the_server_knows(document):
    zones = component(document, "TimeZoneEnum")["enum"]
    assert set(zones) == set(known_time_zones())


@pytest.mark.parametrize(
    "value, valid",
    [("12.5", True), ("1.", True), (".5", True), ("-3", True), ("", False), (".", False)],
)
def test_a_decimal_the_schema_allows_is_one_the_server_reads(api, home, document, value, valid):
    pattern = component(document, "MeasurementRequest")["properties"]["value"]["pattern"]
    assert bool(re.fullmatch(pattern, value)) is valid
    with tenant_context(home.tenant):
        kpi = str(a_kpi(home).public_id)
    body = {"kpi": kpi, "measured_on": "2026-01-20", "value": value}
    response = api.post("/api/v1/kpi-measurements/", body, token=home.tokens["pmo"])
    assert (response.status_code == 201) is valid, response.content


@pytest.mark.parametrize(
    "text, valid",
    [
        ("Badge access", True),
        ("Two\nlines\twith a tab", True),
        ("   ", False),
        ("bell\x07", False),
        ("nul\x00", False),
        ("esc\x1b[0m", False),
    ],
    ids=["plain", "lines", "blank", "bell", "nul", "escape"],
)
def test_the_text_the_schema_allows_is_the_text_the_server_keeps(api, home, document, text, valid):
    pattern = component(document, "PatchedMilestoneRequest")["properties"]["title"]["pattern"]
    assert bool(re.fullmatch(pattern, text)) is valid
    with tenant_context(home.tenant):
        item = a_raid_item(home)
    response = api.patch(
        f"/api/v1/raid-items/{item.public_id}/", {"title": text}, token=home.tokens["pmo"]
    )
    assert (response.status_code == 200) is valid, response.content


def test_a_raid_item_keeps_its_kind_and_the_schema_says_what_each_kind_needs(api, home, document):
    assert "kind" not in component(document, "PatchedRaidItemPatchRequest")["properties"]
    rules = component(document, "RaidItemRequest")["allOf"]
    assert {"required": ["probability", "impact"]}.items() <= rules[0]["then"].items()
    assert rules[1]["if"]["properties"]["kind"] == {"enum": ["exception"]}
    assert rules[1]["then"]["required"] == ["description"]
    with tenant_context(home.tenant):
        body = {**raid_item_body(home), "kind": "exception", "probability": None, "impact": None}
    body.pop("description", None)
    response = api.post("/api/v1/raid-items/", body, token=home.tokens["pmo"])
    assert list(assert_problem(response, 400)["errors"]) == ["description"]
    with tenant_context(home.tenant):
        item = a_raid_item(home)
    response = api.patch(
        f"/api/v1/raid-items/{item.public_id}/", {"kind": "issue"}, token=home.tokens["pmo"]
    )
    assert assert_problem(response, 400)["errors"] == {"kind": ["Unknown field."]}


def test_the_errors_say_when_a_reference_or_an_etag_is_refused(document):
    milestones = document["paths"]["/api/v1/milestones/"]["post"]["responses"]
    assert "not a member of the engagement" in milestones["400"]["description"]
    patch = document["paths"]["/api/v1/milestones/{id}/"]["patch"]
    assert "no current ETag" in patch["responses"]["412"]["description"]
    cursor = query_parameter(document, "/api/v1/milestones/", "cursor")
    assert cursor["description"].startswith("Opaque")


@pytest.mark.parametrize(
    "value, valid",
    [("TICKET-1", True), ("two words", True), (" TICKET-1", False), ("", False), ("\x07", False)],
    ids=["plain", "inner-space", "leading-space", "empty", "bell"],
)
def test_a_text_filter_the_schema_allows_is_one_the_server_applies(
    api, home, document, value, valid
):
    schema = query_parameter(document, "/api/v1/milestones/", "external_id")["schema"]
    assert bool(re.fullmatch(schema["pattern"], value)) is valid
    assert schema["maxLength"] == 200
    query = urlencode({"external_id": value})
    response = api.get(f"/api/v1/milestones/?{query}", token=home.tokens["pmo"])
    assert (response.status_code == 200) is valid, response.content
