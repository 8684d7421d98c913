"""Signed-in sessions in a real browser: a person ends the session on their other device,
which is signed out at its next click."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def signed_in(browser, live_server, username, viewport):
    context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_a_person_ends_their_session_on_another_device(browser, live_server, screenshot):
    world = build_world("Alpha")
    laptop_context, laptop = signed_in(browser, live_server, world.pmo.username, DESKTOP)
    phone_context, phone = signed_in(browser, live_server, world.pmo.username, PHONE)

    phone.goto(f"{live_server.url}/accounts/sessions/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "sessions-390")

    laptop.get_by_role("button", name=world.pmo.get_full_name()).click()
    laptop.get_by_role("link", name="Signed-in sessions").click()
    laptop.wait_for_url(f"{live_server.url}/accounts/sessions/")
    assert laptop.locator("tbody tr").count() == 2
    screenshot(laptop, "sessions-1280")
    violations = [
        violation["id"]
        for violation in Axe().run(laptop).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert violations == []
    laptop.get_by_role("button", name="End session").click()
    laptop.get_by_role("status").get_by_text("Signed out").wait_for()
    assert laptop.locator("tbody tr").count() == 1

    phone.reload()
    phone.wait_for_url(f"{live_server.url}/accounts/login/?next=/accounts/sessions/")
    laptop_context.close()
    phone_context.close()
