"""Single sign-on in Chromium against a real OpenID Connect provider on loopback
(oidc-provider-mock): the tenant admin configures the tenant's provider on its page; a new
person of the tenant types their work e-mail on the sign-in page, signs in at the provider and
lands in the app as a member. Then the tenant admin reads the sign-in in the security log."""

from __future__ import annotations

import pytest

from accounts.models import Membership, SingleSignOn, User
from tests.accounts.test_single_sign_on import Provider
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider():
    running = Provider()
    yield running
    running.stop()


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_new_person_signs_in_through_the_tenants_provider(
    browser, live_server, screenshot, provider, width
):
    world = build_world("Alpha")

    # The tenant admin configures the provider.
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 500)
    page = context.new_page()
    sign_in(page, live_server, world.admin.username)
    page.goto(f"{live_server.url}/members/single-sign-on/")
    page.get_by_label("Issuer URL").fill(provider.url)
    page.get_by_label("Client ID").fill("bpo-transition")
    page.get_by_label("Client secret").fill("s3cret")
    page.get_by_label("E-mail domains").fill("alpha.example")
    page.get_by_label("Role on first sign-in").select_option(Membership.Role.MEMBER)
    screenshot(page, f"sso-journey-configure-{width}")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    configured = SingleSignOn.objects.get(tenant=world.tenant)
    assert configured.issuer == provider.url and configured.allowed_domains == ["alpha.example"]
    assert configured.client_secret_encrypted and "s3cret" not in configured.client_secret_encrypted
    context.close()

    email = f"nadia.{width}@alpha.example"
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 500)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_role("button", name="Continue with single sign-on").click()

    # The provider's own page, on another origin.
    page.wait_for_url(f"{provider.url}/oauth2/authorize?**")
    screenshot(page, f"sso-journey-provider-{width}")
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{live_server.url}/")
    person = User.objects.get(email=email)
    assert Membership.objects.get(user=person).role == "member"
    assert Membership.objects.get(user=person).tenant == world.tenant
    assert world.tenant.name in page.content()
    assert fits(page)
    screenshot(page, f"sso-journey-landed-{width}")
    context.close()

    # The tenant admin reads that sign-in in the security log.
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 500)
    page = context.new_page()
    sign_in(page, live_server, world.admin.username)
    page.goto(f"{live_server.url}/members/")
    page.get_by_role("link", name="Security log", exact=True).click()
    page.wait_for_url(f"{live_server.url}/members/security-log/")
    page.locator("td", has_text="Method: Single sign-on").first.wait_for()
    assert page.get_by_role("cell", name=str(person)).count() >= 1
    assert fits(page)
    screenshot(page, f"security-log-{width}")
    context.close()
