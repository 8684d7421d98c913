"""The tenant admins' security log: the tenant's sign-in and security events, by kind and
person, paged; nobody else reads it, and another tenant's person is not found."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Membership
from audit.services import record_account_event
from kernel.tenancy import tenant_context
from tests import factories
from tests.accounts.test_second_factor import sign_in
from transition.views import security_log

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_an_admin_reads_sign_ins_and_failures_of_the_tenant_only(client, world, other_world):
    pmo = world.pmo
    pmo.set_password("correct horse battery")
    pmo.save()
    browser = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.5")
    browser.post("/accounts/login/", {"username": pmo.username, "password": "wrong"})
    assert sign_in(browser, pmo).status_code == 302
    other_world.admin.set_password("correct horse battery")
    other_world.admin.save()
    assert sign_in(Client(), other_world.admin).status_code == 302

    client.force_login(world.admin)
    page = client.get("/members/security-log/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<span class="fw-semibold">Signed in</span>' in html
    assert '<span class="badge text-bg-warning">Sign-in failed</span>' in html
    assert "Wrong password" in html and "Firefox on Windows" in html and "203.0.113.5" in html
    assert str(other_world.admin) not in html
    assert "/members/security-log/" in client.get("/members/").content.decode()

    failures = client.get("/members/security-log/?kind=account.sign_in_failed").content.decode()
    assert "Wrong password" in failures and "Password</div>" not in failures


def test_filtering_by_person(client, world):
    for person in (world.pmo, world.bystander):
        record_account_event(
            operation="account.signed_in",
            person=person,
            actor=person,
            details={"method": "Password", "address": f"198.51.100.{person.pk}"},
        )
    client.force_login(world.admin)
    mine = client.get(f"/members/security-log/?person={world.pmo.public_id}").content.decode()
    assert f"198.51.100.{world.pmo.pk}" in mine
    assert f"198.51.100.{world.bystander.pk}" not in mine
    same = client.get(f"/members/security-log/{world.pmo.public_id}/").content.decode()
    assert f"198.51.100.{world.pmo.pk}" in same
    assert f"198.51.100.{world.bystander.pk}" not in same

    bad = client.get("/members/security-log/?person=not-a-uuid&kind=nonsense")
    assert bad.status_code == 400
    assert "Enter a valid UUID." in bad.content.decode()
    assert "Select a valid choice." in bad.content.decode()


def test_another_tenants_person_is_not_found_and_a_leaver_still_is(client, world, other_world):
    client.force_login(world.admin)
    assert client.get(f"/members/security-log/{other_world.pmo.public_id}/").status_code == 404
    stranger = client.get(f"/members/security-log/?person={other_world.pmo.public_id}")
    assert stranger.status_code == 404

    leaver = factories.UserFactory(username="leaver")
    membership = Membership.objects.create(user=leaver, tenant=world.tenant, role="member")
    record_account_event(operation="account.signed_in", person=leaver, actor=leaver)
    from transition.services import remove_membership

    remove_membership(actor=world.admin, membership=membership)
    assert client.get(f"/members/security-log/{leaver.public_id}/").status_code == 200


@pytest.mark.parametrize("role", ["pmo", "member"])
def test_only_tenant_admins_read_it(client, world, role):
    client.force_login(world.pmo if role == "pmo" else world.bystander)
    assert client.get("/members/security-log/").status_code == 403


def test_it_is_paged(client, world, monkeypatch):
    monkeypatch.setattr(security_log, "PER_PAGE", 2)
    for index in range(5):
        record_account_event(
            operation="account.signed_in",
            person=world.pmo,
            actor=world.pmo,
            details={"address": f"192.0.2.{index}"},
        )
    client.force_login(world.admin)
    first = client.get("/members/security-log/").content.decode()
    assert "192.0.2.4" in first and "192.0.2.3" in first and "192.0.2.2" not in first
    assert "Page 1 of 3" in first
    last = client.get("/members/security-log/?page=3").content.decode()
    assert "192.0.2.0" in last and "192.0.2.4" not in last


def test_sso_configuration_changes_show_what_changed(client, world):
    from transition.services import configure_single_sign_on

    with tenant_context(world.tenant):
        configure_single_sign_on(
            actor=world.admin,
            tenant=world.tenant,
            issuer="https://login.example.com",
            client_id="bpo",
            client_secret="s3cret",
            allowed_domains="alpha.example",
        )
        configure_single_sign_on(
            actor=world.admin,
            tenant=world.tenant,
            issuer="https://login.example.com",
            client_id="bpo",
            allowed_domains="alpha.example",
            local_passwords=False,
        )
    client.force_login(world.admin)
    html = client.get("/members/security-log/?kind=single_sign_on.configured").content.decode()
    assert "Single sign-on configured" in html
    assert "Local passwords:</span> on → off" in html
    assert "s3cret" not in html
