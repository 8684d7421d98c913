"""Sign-in throttling behind the reverse proxy: every request arrives from the proxy's address."""

import pytest
from django.core.cache import cache

PROXY = "10.0.0.2"
ALICE = "203.0.113.5"
BOB = "198.51.100.7"
ADDRESS_LIMIT_FACTOR = 4  # an address may fail this many times the per-username limit


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, username, password, *, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _spray(client, settings, *, remote, forwarded):
    """Fail as many times as one address may, never twice with the same username."""
    for attempt in range(settings.LOGIN_FAILURE_LIMIT * ADDRESS_LIMIT_FACTOR):
        response = _sign_in(
            client, f"nobody{attempt}", "wrong", remote=remote, forwarded=forwarded(attempt)
        )
        assert response.status_code == 200


def test_one_clients_failures_do_not_lock_out_another_behind_the_proxy(
    client, tenant_a, member_of, settings
):
    member_of(tenant_a, username="bob")
    _spray(client, settings, remote=PROXY, forwarded=lambda _attempt: ALICE)

    refused = _sign_in(client, "somebody", "wrong", remote=PROXY, forwarded=ALICE)
    assert refused.status_code == 429
    assert b"Too many failed sign-in attempts" in refused.content

    response = _sign_in(client, "bob", "correct horse battery", remote=PROXY, forwarded=BOB)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_what_the_client_writes_left_of_the_proxys_entry_is_ignored(
    client, tenant_a, member_of, settings
):
    member_of(tenant_a, username="alice")
    # The client sends its own X-Forwarded-For; the proxy appends the address it saw.
    _spray(client, settings, remote=PROXY, forwarded=lambda attempt: f"192.0.2.{attempt}, {ALICE}")
    response = _sign_in(
        client, "alice", "correct horse battery", remote=PROXY, forwarded=f"192.0.2.250, {ALICE}"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_chain_of_trusted_proxies_is_walked_to_the_client(client, tenant_a, member_of, settings):
    member_of(tenant_a, username="bob")
    _spray(client, settings, remote=PROXY, forwarded=lambda _attempt: f"{ALICE}, 10.0.0.9")
    assert _sign_in(client, "x", "wrong", remote=PROXY, forwarded=ALICE).status_code == 429

    response = _sign_in(
        client, "bob", "correct horse battery", remote=PROXY, forwarded=f"{BOB}, 10.0.0.9"
    )
    assert response.status_code == 302


def test_forwarded_for_from_an_untrusted_address_is_ignored(client, tenant_a, member_of, settings):
    member_of(tenant_a, username="alice")
    # Straight to the server, claiming a new address on every attempt.
    _spray(client, settings, remote=ALICE, forwarded=lambda attempt: f"192.0.2.{attempt}")

    response = _sign_in(
        client, "alice", "correct horse battery", remote=ALICE, forwarded="192.0.2.250"
    )
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_without_trusted_proxies_the_header_is_ignored(client, tenant_a, member_of, settings):
    settings.TRUSTED_PROXIES = []
    member_of(tenant_a, username="bob")
    _spray(client, settings, remote=PROXY, forwarded=lambda _attempt: ALICE)

    response = _sign_in(client, "bob", "correct horse battery", remote=PROXY, forwarded=BOB)
    assert response.status_code == 429


def test_the_per_username_limit_holds_whatever_address_the_attempts_come_from(
    client, tenant_a, member_of, settings
):
    member_of(tenant_a, username="claire")
    for attempt in range(settings.LOGIN_FAILURE_LIMIT):
        response = _sign_in(
            client, "claire", "wrong", remote=PROXY, forwarded=f"198.51.100.{attempt}"
        )
        assert response.status_code == 200

    response = _sign_in(
        client, "claire", "correct horse battery", remote=PROXY, forwarded="198.51.100.200"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
