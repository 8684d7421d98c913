"""Every endpoint against every kind of caller that must not get through, generated from
tests/api/endpoints.py: another tenant's object, an engagement the caller is not in, a
read-only token writing, a revoked, unknown or missing token. Each gets the status api.md
names, learns nothing of what it may not see, and changes nothing."""

from __future__ import annotations

import pytest

from audit.models import Event
from kernel.tenancy import tenant_context
from tests.api.endpoints import BODY, ENDPOINTS, LIST, NOTHING, OBJECT

UNKNOWN_TOKEN = "bpo_0123456789ab_" + "A" * 43


def build(world, endpoint, *, prepare: bool = False):
    with tenant_context(world.tenant):
        if prepare and endpoint.prepare:
            endpoint.prepare(world)
        url = endpoint.url(world)
        body = endpoint.body(world) if endpoint.body else None
    return url, body


def events(world) -> int:
    with tenant_context(world.tenant):
        return Event.objects.count()


def secrets_of(world) -> list[str]:
    """What a caller outside ``world`` must never read."""
    return [
        world.engagement.name,
        world.engagement.client_name,
        str(world.engagement.public_id),
        world.provider_lead.username,
    ]


def call(api, endpoint, url, body, token):
    return api.call(endpoint.method, url, token=token, body=body)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_the_caller_it_is_for_succeeds(api, home, endpoint):
    url, body = build(home, endpoint, prepare=True)
    response = call(api, endpoint, url, body, home.tokens[endpoint.caller])
    assert response.status_code == endpoint.status, response.content
    if endpoint.status >= 400:
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_another_tenants_object_is_not_found(api, home, foreign, endpoint):
    url, body = build(foreign, endpoint)
    before = events(foreign), events(home)
    response = call(api, endpoint, url, body, home.tokens[endpoint.caller])
    expected = {OBJECT: 404, LIST: 200, BODY: 400, NOTHING: endpoint.status}[endpoint.names]
    assert response.status_code == expected, response.content
    for secret in secrets_of(foreign):
        assert secret.encode() not in response.content
    if endpoint.names == NOTHING:
        # It names nothing of the other tenant: it writes in the caller's own, only there.
        assert events(foreign) == before[0]
    else:
        assert (events(foreign), events(home)) == before
    if endpoint.names == BODY:
        # Exactly the answer a made-up id gets: nothing says the foreign one exists.
        assert set(response.json()["errors"]) <= {
            "engagement",
            "ids",
            "kpi",
            "owners",
            "user",
            "person",
            "people",
        } | {f"measurements[{i}].kpi" for i in range(2)}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_member_outside_the_engagement_finds_nothing(api, home, endpoint):
    url, body = build(home, endpoint)
    before = events(home)
    response = call(api, endpoint, url, body, home.tokens["bystander"])
    expected = endpoint.bystander or {OBJECT: 404, LIST: 200, BODY: 400}[endpoint.names]
    assert response.status_code == expected, response.content
    for secret in secrets_of(home)[:3]:
        assert secret.encode() not in response.content
    assert events(home) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_read_only_token_reads_and_never_writes(api, home, endpoint):
    url, body = build(home, endpoint)
    before = events(home)
    response = call(api, endpoint, url, body, home.tokens[f"{endpoint.caller}_read_only"])
    if endpoint.writes:
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == "This API token is read-only."
    else:
        assert response.status_code == 200, response.content
    assert events(home) == before


@pytest.mark.parametrize("token", ["revoked", "unknown", "missing", "malformed"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_no_valid_token_is_unauthorized(api, home, endpoint, token):
    url, body = build(home, endpoint)
    before = events(home)
    secret = {
        "revoked": home.tokens["revoked"],
        "unknown": UNKNOWN_TOKEN,
        "missing": None,
        "malformed": "not a token",
    }[token]
    response = call(api, endpoint, url, body, secret)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"
    for secret_text in secrets_of(home)[:3]:
        assert secret_text.encode() not in response.content
    assert events(home) == before


def test_the_table_covers_every_api_operation(home):
    from django.urls import resolve

    from api.rest.urls import router

    routed = {
        (pattern.name, method)
        for pattern in router.urls
        for method in pattern.callback.actions
        if method != "head"  # DRF adds it beside every GET
    }
    tabled = set()
    for endpoint in ENDPOINTS:
        url, _body = build(home, endpoint)
        tabled.add((resolve(url.split("?")[0]).url_name, endpoint.method))
    assert routed == tabled
