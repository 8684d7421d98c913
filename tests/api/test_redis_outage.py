"""Redis down for a while: the API and sign-in keep answering, /healthz says 503.

The test starts a Redis of its own (a free port), points the cache at it, and stops it.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import cache

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis():
    """A Redis server this test may stop: (port, stop)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if ON_CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        if time.monotonic() > deadline:
            server.kill()
            pytest.fail("The test's Redis did not start")
        time.sleep(0.05)

    def stop() -> None:
        server.terminate()
        server.wait(timeout=10)

    yield port, stop
    if server.poll() is None:
        stop()


@pytest.fixture
def redis_cache(own_redis, settings):
    port, stop = own_redis
    settings.CACHES = {
        "default": {
            "BACKEND": "kernel.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    return stop


def _keys() -> list:
    return cache._cache.get_client().keys("*")


def test_with_redis_down_the_api_and_sign_in_keep_answering(home, api, client, redis_cache):
    token = home.tokens["pmo"]
    assert api.get("/api/v1/engagements/", token=token).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert _keys(), "the throttle counts in Redis while it is up"

    redis_cache()  # Redis stops

    statuses = []
    for number in range(200):
        if number % 20 == 0:
            signed_in = client.post(
                "/accounts/login/", {"username": home.pmo.username, "password": "wrong"}
            )
            statuses.append(signed_in.status_code)
            client.cookies.clear()
        else:
            statuses.append(api.get("/api/v1/engagements/", token=token).status_code)
    assert 500 not in statuses
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) >= 190

    # Sign-in works (and the failures above were counted, in this process).
    signed_in = client.post(
        "/accounts/login/", {"username": home.admin.username, "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "cache" in health.json()["down"]


def test_with_redis_down_failed_sign_ins_are_still_counted_locally(
    tenant_a, member_of, client, redis_cache, settings
):
    member_of(tenant_a, username="claire")
    redis_cache()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "claire", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "claire", "password": "correct horse battery"}
    )
    assert response.status_code == 429
