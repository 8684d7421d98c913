"""Two populated tenants and API tokens for their people; calls carry no ambient tenant."""

from __future__ import annotations

import datetime
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from api.services import issue_token, revoke_token
from engagements.services import start_transition
from kernel.tenancy import get_active_tenant_id, tenant_context
from reporting.measurements import record_measurement
from reporting.models import Kpi
from tests.world import World, build_world


@dataclass
class ApiWorld:
    world: World
    tokens: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name):
        return getattr(self.world, name)


def give_tokens(world: World) -> ApiWorld:
    api_world = ApiWorld(world)
    with tenant_context(world.tenant):
        for label in ("admin", "pmo", "provider_lead", "client_lead", "bystander"):
            user = getattr(world, label)
            for read_only, suffix in ((False, ""), (True, "_read_only")):
                api_world.tokens[label + suffix] = issue_token(
                    actor=world.admin,
                    tenant=world.tenant,
                    user=user,
                    name=label + suffix,
                    read_only=read_only,
                )[1]
        revoked, api_world.tokens["revoked"] = issue_token(
            actor=world.admin, tenant=world.tenant, user=world.pmo, name="old"
        )
        revoke_token(actor=world.admin, token=revoked)
    return api_world


def build_api_world(name: str) -> ApiWorld:
    """A tenant in transition (kickoff active) with one KPI measurement and tokens."""
    world = build_world(name)
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        record_measurement(
            actor=world.pmo,
            kpi=Kpi.objects.order_by("key").first(),
            measured_on=datetime.date(2026, 1, 19),
            value=Decimal("31.5"),
        )
    return give_tokens(world)


@pytest.fixture
def home(db):
    built = build_api_world("Alpha")
    assert get_active_tenant_id() is None
    return built


@pytest.fixture
def foreign(db):
    return build_api_world("Bravo")


class Api:
    """Calls the API as a test client would, with a bearer token (or none)."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, url: str, *, token: str | None = None, body=None, **headers):
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        if token is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
        return self.client.generic(
            method.upper(), url, data=body or "", content_type="application/json", **extra
        )

    def get(self, url, **kwargs):
        return self.call("GET", url, **kwargs)

    def post(self, url, body=None, **kwargs):
        return self.call("POST", url, body={} if body is None else body, **kwargs)

    def put(self, url, body, **kwargs):
        return self.call("PUT", url, body=body, **kwargs)

    def patch(self, url, body, **kwargs):
        return self.call("PATCH", url, body=body, **kwargs)

    def delete(self, url, **kwargs):
        return self.call("DELETE", url, **kwargs)


@pytest.fixture
def api(client):
    return Api(client)


@contextmanager
def connection_kept_open():
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class _KeepingConnection:
    """A WSGI response whose closing does not close the test's database connection."""

    def __init__(self, response):
        self.response = response

    def __iter__(self):
        return iter(self.response)

    def close(self):
        with connection_kept_open():
            self.response.close()


@pytest.fixture
def wsgi_app():
    """The WSGI application for in-process callers other than Django's test client.

    Like the test client, it keeps the test's database connection open across requests (a
    finished request would otherwise close a connection that is inside a transaction).
    """
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    def app(environ, start_response):
        with connection_kept_open():
            return _KeepingConnection(application(environ, start_response))

    return app
