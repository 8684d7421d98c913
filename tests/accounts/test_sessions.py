"""Signed-in sessions: a person sees where they are signed in (device, address, last seen) and
ends any; an ended session that is still used is signed out. Leaving a tenant ends the
person's sessions in it and their API tokens and calendar link there."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Membership
from api.models import ApiToken
from api.services import issue_token
from audit.models import Event
from exports.services import regenerate_calendar_feed
from kernel.tenancy import tenant_context
from tests import factories
from transition.services import remove_membership

PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def signed_in(user, *, agent: str, address: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_a_person_sees_their_sessions_and_ends_one_elsewhere(tenant_a, member_of, clock):
    priya = member_of(tenant_a, role="pmo", username="priya")
    laptop = signed_in(priya, agent=FIREFOX, address="203.0.113.5")
    clock.shift(datetime.timedelta(minutes=20))
    phone = signed_in(priya, agent=PHONE, address="198.51.100.7")
    clock.shift(datetime.timedelta(minutes=20))
    assert laptop.get("/").status_code == 200  # the laptop is seen again now

    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Firefox on Windows" in html and "203.0.113.5" in html
    assert "Safari on iPhone" in html and "198.51.100.7" in html
    assert html.index("Firefox on Windows") < html.index("Safari on iPhone")  # last seen first
    assert "2 Mar 2026, 09:40" in html  # the laptop's last seen
    assert "This session" in html

    from allauth.usersessions.models import UserSession

    phones = UserSession.objects.get(user=priya, user_agent=PHONE)
    ended = laptop.post(f"/accounts/sessions/{phones.pk}/end/")
    assert ended.status_code == 302
    listed = laptop.get("/accounts/sessions/").content.decode()
    assert "Signed out Safari on iPhone (198.51.100.7)." in listed
    assert "198.51.100.7</div>" not in listed

    # The phone, still holding its cookie, is signed out on its next request.
    again = phone.get("/")
    assert again.status_code == 302
    assert again["Location"].startswith("/accounts/login/")
    refused = phone.post("/tenants/switch/", {"tenant": str(tenant_a.public_id)})
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")
    assert laptop.get("/").status_code == 200


def test_another_persons_session_is_not_found(tenant_a, member_of, clock):
    priya = member_of(tenant_a, role="pmo", username="priya")
    claire = member_of(tenant_a, username="claire")
    priyas = signed_in(priya, agent=FIREFOX, address="203.0.113.5")
    claires = signed_in(claire, agent=PHONE, address="198.51.100.7")

    from allauth.usersessions.models import UserSession

    hers = UserSession.objects.get(user=claire)
    assert priyas.post(f"/accounts/sessions/{hers.pk}/end/").status_code == 404
    assert claires.get("/").status_code == 200
    assert "198.51.100.7" not in priyas.get("/accounts/sessions/").content.decode()


def test_last_seen_is_written_at_most_every_five_minutes(tenant_a, member_of, clock):
    from allauth.usersessions.models import UserSession

    priya = member_of(tenant_a, role="pmo", username="priya")
    laptop = signed_in(priya, agent=FIREFOX, address="203.0.113.5")
    laptop.get("/")
    clock.shift(datetime.timedelta(minutes=2))
    laptop.get("/")
    assert UserSession.objects.get(user=priya).last_seen_at == START
    clock.shift(datetime.timedelta(minutes=4))
    laptop.get("/")
    assert UserSession.objects.get(user=priya).last_seen_at == START + datetime.timedelta(minutes=6)


def test_ending_ones_own_session_signs_out(tenant_a, member_of, clock):
    from allauth.usersessions.models import UserSession

    priya = member_of(tenant_a, role="pmo", username="priya")
    laptop = signed_in(priya, agent=FIREFOX, address="203.0.113.5")
    mine = UserSession.objects.get(user=priya)
    response = laptop.post(f"/accounts/sessions/{mine.pk}/end/")
    assert response.status_code == 302
    assert laptop.get("/")["Location"].startswith("/accounts/login/")


# --- Leaving a tenant ---------------------------------------------------------------------------


def test_removing_someone_ends_their_sessions_tokens_and_calendar_link(world, client, clock):
    leaver = world.bystander
    leaver.set_password(PASSWORD)
    leaver.save()
    browser = signed_in(leaver, agent=FIREFOX, address="203.0.113.5")
    assert browser.get("/").status_code == 200
    token, secret = issue_token(actor=world.admin, tenant=world.tenant, user=leaver, name="sync")
    link = regenerate_calendar_feed(actor=leaver, tenant=world.tenant)

    remove_membership(
        actor=world.admin,
        membership=Membership.objects.get(tenant=world.tenant, user=leaver),
    )

    assert browser.get("/")["Location"].startswith("/accounts/login/")
    api = Client()
    assert api.get("/api/v1/engagements/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert api.get(f"/calendar/{link.token}.ics").status_code == 404
    with tenant_context(world.tenant):
        token.refresh_from_db()
        assert token.revoked_at is not None  # listed, revoked
        removal = Event.objects.filter(operation="membership.removed")
        assert {(event.object_type, event.action) for event in removal} >= {
            ("api_token", "updated"),
            ("calendar_feed", "deleted"),
            ("membership", "deleted"),
        }


def test_leaving_one_tenant_keeps_a_session_working_in_another(world, clock):
    leaver = world.bystander
    leaver.set_password(PASSWORD)
    leaver.save()
    other = factories.TenantFactory(name="Other")
    Membership.objects.create(user=leaver, tenant=other, role="member")
    here = signed_in(leaver, agent=FIREFOX, address="203.0.113.5")
    here.get("/")
    there = signed_in(leaver, agent=PHONE, address="198.51.100.7")
    there.post("/tenants/switch/", {"tenant": str(other.public_id)})
    with tenant_context(other):
        kept_token, _secret = issue_token(actor=None, tenant=other, user=leaver, name="other sync")

    remove_membership(
        actor=world.admin,
        membership=Membership.objects.get(tenant=world.tenant, user=leaver),
    )

    assert here.get("/")["Location"].startswith("/accounts/login/")
    assert there.get("/").status_code == 200
    with tenant_context(other):
        assert ApiToken.objects.get(pk=kept_token.pk).revoked_at is None
