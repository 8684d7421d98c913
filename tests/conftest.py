import datetime
import os
import shutil

import pytest
import time_machine
from django.conf import settings

from kernel.tenancy import tenant_context
from tests import factories

# FROZEN_TODAY=2028-02-29 (or an ISO date-time, UTC unless it names an offset) runs the whole
# session on that day: the clock starts there and ticks on (time-machine). CI runs the tests
# marked ``dates`` once per awkward day (a Sunday, a month end, a DST change, 29 February,
# 31 December): a test whose data is built relative to today must pass on every one of them.
FROZEN_TODAY = os.environ.get("FROZEN_TODAY", "").strip()
_frozen_clock = None


def frozen_instant(value: str) -> datetime.datetime:
    """A date alone means noon UTC that day; a date-time without an offset is UTC."""
    if len(value) == 10:
        return datetime.datetime.combine(
            datetime.date.fromisoformat(value), datetime.time(12), tzinfo=datetime.UTC
        )
    moment = datetime.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def pytest_addoption(parser):
    parser.addoption(
        "--production",
        action="store_true",
        help="also run the tests marked production (they build static files and start gunicorn "
        "with production settings); CI runs them in a step of their own",
    )


def pytest_configure(config):
    global _frozen_clock
    if FROZEN_TODAY and _frozen_clock is None:
        _frozen_clock = time_machine.travel(frozen_instant(FROZEN_TODAY), tick=True)
        _frozen_clock.start()


def pytest_unconfigure(config):
    global _frozen_clock
    if _frozen_clock is not None:
        _frozen_clock.stop()
        _frozen_clock = None


def pytest_report_header(config):
    if FROZEN_TODAY:
        return f"FROZEN_TODAY={FROZEN_TODAY}: the clock starts at {frozen_instant(FROZEN_TODAY)}"
    return None


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
    run in one process, one after the other, so no worker takes another test's task.
    Tests marked ``production`` run only with --production (CI's production step)."""
    if not config.getoption("--production"):
        production = [item for item in items if item.get_closest_marker("production")]
        if production:
            config.hook.pytest_deselected(items=production)
            items[:] = [item for item in items if not item.get_closest_marker("production")]
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("broker"))
        elif item.get_closest_marker("runscript") or item.get_closest_marker("scaleout"):
            # Each starts a whole run.sh (web, worker, beat): one at a time is enough load.
            item.add_marker(pytest.mark.xdist_group("runscript"))


# Where a test marked ``dates`` runs when FROZEN_TODAY names no day: a Monday, the weekday on
# which the demo's drift alerts once came out differently.
PINNED_TODAY = "2026-12-07T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    """A test marked ``dates`` builds its data relative to today: it runs on FROZEN_TODAY, or
    on PINNED_TODAY (or the day the marker names), never on whatever day it happens to be."""
    marker = request.node.get_closest_marker("dates")
    if marker is None:
        yield
        return
    day = FROZEN_TODAY or (marker.args[0] if marker.args else PINNED_TODAY)
    with time_machine.travel(frozen_instant(day), tick=True):
        yield


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
