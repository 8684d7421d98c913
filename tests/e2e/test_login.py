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
