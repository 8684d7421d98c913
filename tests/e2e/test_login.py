import pytest
from django.core.cache import cache

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_member_signs_in_and_sees_their_engagements(page, live_server, screenshot):
    cache.clear()
    tenant = factories.TenantFactory(name="Acme Customer Care")
    user = factories.MembershipFactory(
        tenant=tenant, role="pmo", user=factories.UserFactory(username="priya")
    ).user
    factories.EngagementFactory(tenant=tenant, name="Care desk transition")

    sign_in(page, live_server, "priya", "correct horse battery")

    page.get_by_role("heading", name="Acme Customer Care").wait_for()
    assert page.get_by_role("link", name="Care desk transition", exact=True).is_visible()
    assert str(user) in page.locator(".user-name").inner_text()
    screenshot(page, "home-desktop")


def test_wrong_password_shows_an_error_on_a_phone(phone_page, live_server, screenshot):
    cache.clear()
    factories.MembershipFactory(user=factories.UserFactory(username="claire"))

    sign_in(phone_page, live_server, "claire", "not the password")

    alert = phone_page.get_by_role("alert")
    assert "correct username and password" in alert.inner_text()
    screenshot(phone_page, "login-error-phone")


def test_the_account_menu_switches_tenant_and_signs_out(page, live_server, screenshot):
    cache.clear()
    user = factories.UserFactory(username="mo")
    acme = factories.TenantFactory(name="Acme Customer Care")
    globex = factories.TenantFactory(name="Globex Retail")
    for tenant in (acme, globex):
        factories.MembershipFactory(tenant=tenant, user=user, role="pmo")
        factories.EngagementFactory(tenant=tenant, name=f"{tenant.name} desk")
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, live_server, "mo", "correct horse battery")
    first = page.get_by_role("heading", level=1).inner_text()
    other = "Globex Retail" if first == "Acme Customer Care" else "Acme Customer Care"
    # The top bar says where you work; one row at laptop width.
    assert first in page.locator(".user-name").inner_text()
    bar = page.locator(".app-navbar").bounding_box()
    assert bar["height"] < 70

    page.locator(".user-name").click()
    screenshot(page, "account-menu-desktop")
    page.get_by_role("button", name=other).click()
    page.get_by_text(f"You are now working in {other}.").wait_for()
    page.get_by_role("heading", name=other, level=1).wait_for()
    assert page.get_by_role("link", name=f"{other} desk", exact=True).is_visible()
    assert other in page.locator(".user-name").inner_text()

    page.locator(".user-name").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
