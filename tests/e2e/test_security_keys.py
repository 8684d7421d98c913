"""The two-factor pages offer a security key (WebAuthn) beside the authenticator app, at
desktop and phone widths (the key itself needs a real authenticator: not driven here)."""

from __future__ import annotations

import pytest

from tests.e2e.test_second_factor import fits, sign_in
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_security_key_pages_fit(browser, live_server, screenshot, width):
    world = build_world("Alpha")
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 500)
    page = context.new_page()
    sign_in(page, live_server, world.pmo.username)
    page.goto(f"{live_server.url}/accounts/two-factor/")
    page.get_by_text("Security Keys").first.wait_for()
    assert fits(page)
    screenshot(page, f"security-keys-index-{width}")
    page.goto(f"{live_server.url}/accounts/two-factor/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url("**/webauthn/add/**")
    assert fits(page)
    screenshot(page, f"security-keys-add-{width}")
    context.close()
