"""The go-live forecast in a real browser: pmo sees it beside the target go-live, in the
Forecast section with its reasons, as a marker on the timeline, and in the portfolio's column.
Screenshots at 1280 and 390 px (test-artifacts/forecast/)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from engagements.services import start_transition
from kernel.tenancy import tenant_context
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_roster import DESKTOP, PHONE, as_user, serious_violations
from tests.world import build_world, finish_phase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.dates]

FOLDER = ARTIFACTS / "forecast"


def shoot(page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{FOLDER / name}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"{name} scrolls {sideways} px sideways at 390 px"
    page.screenshot(path=f"{FOLDER / name}-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_pmo_sees_the_go_live_forecast_past_its_target_with_reasons(browser, live_server):
    # Signed nine days ago on the 90-day launch: its go-live gate is planned for tomorrow,
    # kickoff is done, the rest is open.
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=9))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        finish_phase(world, "kickoff")
    context, page = as_user(browser, live_server, world.pmo.username)
    try:
        page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
        forecast = page.locator("#forecast")
        assert "Go-live forecast" in forecast.locator(".go-live-forecast").inner_text()
        assert forecast.locator(".forecast-reasons li").count() >= 1
        assert page.locator(".go-live-forecast-fact").inner_text().startswith("Go-live gate")
        assert page.locator("g.tl-forecast").count() >= 1
        assert serious_violations(page) == []
        shoot(page, "01-engagement")
        forecast.scroll_into_view_if_needed()
        page.locator("#timeline-heading").scroll_into_view_if_needed()
        page.screenshot(path=f"{FOLDER / '02-timeline-and-forecast'}-1280.png")
        page.set_viewport_size(PHONE)
        forecast.scroll_into_view_if_needed()
        page.screenshot(path=f"{FOLDER / '02-timeline-and-forecast'}-390.png")
        page.set_viewport_size(DESKTOP)

        page.goto(f"{live_server.url}/")
        cell = page.locator('td[data-label="Go-live forecast"]').first
        assert "past" in cell.inner_text()
        shoot(page, "03-portfolio")
    finally:
        context.close()
