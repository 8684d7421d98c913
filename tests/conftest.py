import os
import shutil

import pytest
from django.conf import settings

from bpo_transition.tenancy import tenant_context
from tests import factories


def pytest_sessionstart(session):
    """On CI the real PostgreSQL and Redis are required: a missing service fails the run."""
    if os.environ.get("CI", "").lower() not in {"1", "true", "yes"}:
        return
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as failure:
            problems.append(f"Redis at {settings.REDIS_URL} is unreachable: {failure}")
    if not shutil.which("chromium"):
        problems.append("Debian's chromium is not installed")
    if problems:
        pytest.exit("CI needs its services: " + "; ".join(problems), returncode=3)


def pytest_collection_modifyitems(config, items):
    """Tests that start a real Celery worker share one broker queue: under pytest-xdist they
    run in one process, one after the other, so no worker takes another test's task."""
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("broker"))
        elif item.get_closest_marker("runscript"):
            # Each starts a whole run.sh (web, worker, beat): one at a time is enough load.
            item.add_marker(pytest.mark.xdist_group("runscript"))


@pytest.fixture
def tenant_a(db):
    return factories.TenantFactory(name="Tenant A", slug="tenant-a")


@pytest.fixture
def tenant_b(db):
    return factories.TenantFactory(name="Tenant B", slug="tenant-b")


@pytest.fixture
def in_tenant():
    """``with in_tenant(tenant):`` runs the block as if a request of that tenant."""
    return tenant_context


@pytest.fixture
def member_of(db):
    def make(tenant, role="member", **user_fields):
        return factories.MembershipFactory(
            tenant=tenant, role=role, user=factories.UserFactory(**user_fields)
        ).user

    return make


@pytest.fixture
def world(db):
    """Tenant A with a contact-centre engagement; its tenant is active for the test."""
    from tests.world import build_world

    built = build_world("Alpha")
    with tenant_context(built.tenant):
        yield built


@pytest.fixture
def other_world(db):
    """Tenant B, built without activating it."""
    from tests.world import build_world

    return build_world("Bravo")
