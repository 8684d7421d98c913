"""The engagement, milestone, RAID and KPI pages at 1280 and 390 px: on a phone the tabs scroll
sideways with every tab reachable, the phase timeline scrolls sideways with its phase names
kept, the plan folds into one section per phase, and nothing overflows the page."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from engagements.services import start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.models import RaidItem
from registers.services import create_raid_item
from reporting.models import Kpi
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def running():
    cache.clear()
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=2))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind="risk",
            title="Agents not certified before go-live",
            owner=world.provider_lead,
            due_date=timezone.localdate() + datetime.timedelta(days=9),
            probability=4,
            impact=5,
        )
    return world


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def pages_of(world) -> dict[str, str]:
    base = f"/engagements/{world.engagement.public_id}"
    with tenant_context(world.tenant):
        milestone = Milestone.objects.get(title="Working kickoff session")
        item = RaidItem.objects.get()
        kpi = Kpi.objects.filter(engagement=world.engagement).first()
    return {
        "engagement": f"{base}/",
        "milestone": f"{base}/milestones/{milestone.public_id}/",
        "raid-list": f"{base}/raid/",
        "raid-item": f"{base}/raid/{item.public_id}/",
        "kpis": f"{base}/kpis/",
        "kpi": f"{base}/kpis/{kpi.public_id}/",
    }


@pytest.mark.parametrize("size", SIZES)
def test_each_page_fits_and_reaches_every_tab(browser, live_server, screenshot, running, size):
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=size == "phone"
    )
    page = context.new_page()
    sign_in(page, live_server, running.pmo)
    for name, url in pages_of(running).items():
        page.goto(live_server.url + url)
        page.locator("nav.engagement-nav").wait_for()
        assert fits(page), name
        tabs = page.locator("nav.engagement-nav a.nav-link")
        assert tabs.all_inner_texts() == [
            "Plan",
            "Gates",
            "Reviews",
            "KPIs",
            "RAID",
            "Roster",
            "Baselines",
            "Exports",
            "Administer",
        ], name
        # Every tab is in view, however narrow the screen: none cut off or off-screen.
        for box in (tabs.nth(n).bounding_box() for n in range(tabs.count())):
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, name
        screenshot(page, f"pages-{name}-{size}")
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.status == 200 and icon.body()[:4] == b"\x00\x00\x01\x00"
    context.close()


def test_the_engagement_page_on_a_phone(phone_page, live_server, screenshot, running):
    sign_in(phone_page, live_server, running.provider_lead)
    phone_page.goto(f"{live_server.url}/engagements/{running.engagement.public_id}/")
    phone_page.get_by_role("heading", name="Alpha care desk").wait_for()

    # The timeline scrolls sideways inside its box, its phase names kept on the left.
    timeline = phone_page.locator(".timeline-scroll")
    sizes = timeline.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
    assert sizes[0] > sizes[1]
    labels = phone_page.locator(".timeline-scroll .tl-label")
    assert labels.count() == 6
    first_label = labels.first.bounding_box()
    assert first_label and first_label["x"] >= 0 and first_label["width"] > 20
    timeline.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")
    names = phone_page.locator("svg.timeline-names")
    assert names.is_visible()
    assert names.locator(".tl-label").all_text_contents()[0] == "1. Kickoff"
    kept = names.locator(".tl-label").first.bounding_box()
    assert kept and abs(kept["x"] - first_label["x"]) < 2  # the names did not scroll away
    screenshot(phone_page, "pages-engagement-phone-timeline-scrolled")

    # The plan is one section per phase: the current one open, the others folded.
    phases = phone_page.locator("details.phase-fold")
    assert phases.count() == 6
    assert phases.first.get_attribute("open") is not None
    assert all(phases.nth(n).get_attribute("open") is None for n in range(1, 6))
    folded = phone_page.evaluate("document.documentElement.scrollHeight")
    assert folded < 6000
    phases.nth(1).locator("summary.phase-summary").click()
    phone_page.get_by_role("cell", name="Qualifying rules agreed").first.wait_for()
    assert fits(phone_page)
    screenshot(phone_page, "pages-engagement-phone-opened")
