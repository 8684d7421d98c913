"""The single sign-on pages in a real browser: the sign-in page's 'Sign in with your
organisation' and the tenant admin's configuration, at desktop and phone widths."""

from __future__ import annotations

import pytest

from accounts.models import SingleSignOn
from accounts.sso import encrypt_secret
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_sign_on_pages_fit(browser, live_server, screenshot, width):
    world = build_world("Alpha")
    SingleSignOn.objects.create(
        tenant=world.tenant,
        issuer="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
        client_id="6f1c2b1e-0000-4000-8000-000000000000",
        client_secret_encrypted=encrypt_secret("x"),
        allowed_domains=["alpha.example"],
    )
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 500)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Work e-mail").fill("someone@elsewhere.example")
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.get_by_text("No organisation signs in through its own provider").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"sso-login-{width}")

    page.get_by_label("Username").fill(world.admin.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/members/single-sign-on/")
    assert page.get_by_label("E-mail domains").input_value() == "alpha.example"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"sso-settings-{width}")
    context.close()
