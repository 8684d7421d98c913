"""Sign-ins, failures, second-factor changes and session ends are audit events, written in the
tenants of the person they concern and in no other."""

from __future__ import annotations

import datetime

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from accounts.models import Membership
from audit.models import Event
from tests.accounts.test_second_factor import NOON, PASSWORD, enrol, sign_in, totp
from transition.services import remove_membership

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


def events(operation=None):
    """Every tenant's events (no tenant active in these tests), oldest first."""
    found = Event._base_manager.order_by("id")
    if operation:
        found = found.filter(operation=operation)
    return list(found)


def test_a_sign_in_is_recorded_in_each_tenant_of_the_person(tenant_a, tenant_b, member_of):
    priya = member_of(tenant_a, role="pmo", username="priya")
    Membership.objects.create(user=priya, tenant=tenant_b, role="member")
    browser = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.5")
    assert sign_in(browser, priya).status_code == 302

    signed_in = events("account.signed_in")
    assert {event.tenant_id for event in signed_in} == {tenant_a.pk, tenant_b.pk}
    assert len({event.correlation_id for event in signed_in}) == 1
    event = signed_in[0]
    assert event.actor == priya
    assert event.object_type == "account" and event.object_id == str(priya.public_id)
    assert event.snapshot == {
        "method": "Password",
        "address": "203.0.113.5",
        "device": "Firefox on Windows",
    }
    assert event.position is None  # not an API resource: not in the change feed


def test_a_wrong_password_is_recorded_but_an_unknown_username_reaches_no_tenant(
    tenant_a, tenant_b, member_of, client
):
    priya = member_of(tenant_a, role="pmo", username="priya")
    member_of(tenant_b, username="bruno")
    refused = client.post("/accounts/login/", {"username": "priya", "password": "guess"})
    assert refused.status_code == 200
    failed = events("account.sign_in_failed")
    assert [(event.tenant_id, event.object_id) for event in failed] == [
        (tenant_a.pk, str(priya.public_id))
    ]
    assert failed[0].actor is None
    assert failed[0].snapshot["reason"] == "Wrong password"

    before = len(events())
    client.post("/accounts/login/", {"username": "nobody-here", "password": "guess"})
    assert len(events()) == before


def test_second_factor_changes_and_a_wrong_code_are_recorded(
    client, tenant_a, member_of, clock, django_capture_on_commit_callbacks
):
    pmo = member_of(tenant_a, role="pmo", username="priya")
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        secret, _codes = enrol(client, pmo, clock)
    added = events("account.second_factor_added")
    assert {event.snapshot["factor"] for event in added} >= {"Authenticator app"}

    assert sign_in(client, pmo).status_code == 302
    client.post("/accounts/two-factor/authenticate/", {"code": "000000"})
    failed = events("account.sign_in_failed")
    assert failed[-1].snapshot["reason"] == "Wrong authenticator app code"
    assert (
        client.post("/accounts/two-factor/authenticate/", {"code": totp(secret, NOON)}).status_code
        == 302
    )
    assert events("account.signed_in")[-1].snapshot["method"] == "Password and second factor"

    # Asked for the password again first (a sensitive change).
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        regenerated = client.post("/accounts/two-factor/recovery-codes/generate/")
    assert regenerated.status_code == 302, regenerated.content.decode()[:500]
    assert events("account.recovery_codes_regenerated")[-1].actor == pmo

    with django_capture_on_commit_callbacks(execute=True):
        deactivated = client.post("/accounts/two-factor/totp/deactivate/")
    assert deactivated.status_code == 302, deactivated.content.decode()[:500]
    removed = {event.snapshot["factor"] for event in events("account.second_factor_removed")}
    assert "Authenticator app" in removed


def test_ending_a_session_and_signing_out_are_recorded_once_each(tenant_a, member_of, clock):
    priya = member_of(tenant_a, role="pmo", username="priya")
    laptop = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.5")
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1", REMOTE_ADDR="198.51.100.7")
    sign_in(laptop, priya)
    clock.shift(datetime.timedelta(minutes=1))
    sign_in(phone, priya)

    phones = UserSession.objects.get(user=priya, ip="198.51.100.7")
    laptop.post(f"/accounts/sessions/{phones.pk}/end/")
    ended = events("account.session_ended")
    assert [(event.snapshot["how"], event.snapshot["address"]) for event in ended] == [
        ("Ended by the person", "198.51.100.7")
    ]

    mine = UserSession.objects.get(user=priya, ip="203.0.113.5")
    laptop.post(f"/accounts/sessions/{mine.pk}/end/")  # its own: signed out, one event
    assert len(events("account.session_ended")) == 2

    sign_in(laptop, priya)
    laptop.post("/accounts/logout/")
    assert events("account.session_ended")[-1].snapshot["how"] == "Signed out"


def test_removal_from_a_tenant_records_the_sessions_it_ended_there_only(world, other_world, clock):
    leaver = world.bystander
    leaver.set_password(PASSWORD)
    leaver.save()
    Membership.objects.create(user=leaver, tenant=other_world.tenant, role="member")
    browser = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.5")
    assert sign_in(browser, leaver).status_code == 302
    browser.post("/tenants/switch/", {"tenant": str(world.tenant.public_id)})

    remove_membership(
        actor=world.admin, membership=Membership.objects.get(tenant=world.tenant, user=leaver)
    )
    ended = events("account.session_ended")
    assert [(event.tenant_id, event.actor, event.snapshot["how"]) for event in ended] == [
        (world.tenant.pk, world.admin, "Removed from the tenant")
    ]
    removal = events("membership.removed")[0]
    assert ended[0].correlation_id == removal.correlation_id
