"""The search in a real browser: "/" focuses the top bar's box; a PMO finds a milestone by a
word that only one of its comments holds, and a RAID item by a word only its response holds
(RAID items have no comment thread yet); punctuation alone is refused in place. Screenshots at
1280 and 390 px under ``test-artifacts/search/``."""

from __future__ import annotations

import datetime

import pytest

from kernel.tenancy import tenant_context
from milestones.comments import add_comment
from milestones.models import Milestone
from registers.services import create_raid_item
from tests.e2e.conftest import ARTIFACTS
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
FOLDER = ARTIFACTS / "search"


def shoot(page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{name} scrolls {sideways} px sideways at 390 px"
        page.screenshot(path=str(FOLDER / f"{name}-390.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


@pytest.fixture
def world():
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        milestone = Milestone.objects.filter(engagement=world.engagement).order_by("id").first()
        add_comment(
            actor=world.pmo,
            milestone=milestone,
            body="The floor walker wants a <b>numbat</b> drill before go-live.",
        )
        create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind="risk",
            title="Badge printer may arrive late",
            owner=world.provider_lead,
            due_date=datetime.date.today() + datetime.timedelta(days=10),
            probability=3,
            impact=4,
            response="Borrow the wallaby printer from the Porto site",
        )
    return world


def test_a_pmo_finds_by_words_only_a_comment_or_a_response_holds(browser, live_server, world):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.pmo.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator("main").click()  # nothing focused that takes text
    page.keyboard.press("/")
    box = page.locator("#site-search")
    assert page.evaluate("document.activeElement.id") == "site-search"
    box.fill("wallaby")
    box.press("Enter")
    page.wait_for_url("**/search/?q=wallaby")
    section = page.locator("#results-raid_item")
    assert section.get_by_role("link", name="Badge printer may arrive late").is_visible()
    assert section.locator("mark").first.inner_text().lower() == "wallaby"
    shoot(page, "01-raid-item-found")

    page.keyboard.press("/")  # the results page's own field is not focused: the top bar's is
    assert page.evaluate("document.activeElement.id") == "site-search"
    box.fill("numbat")
    box.press("Enter")
    page.wait_for_url("**/search/?q=numbat")
    comments = page.locator("#results-milestone_comment")
    assert comments.locator("mark").first.inner_text() == "numbat"
    # Never as markup: the snippet shows the tag as typed (SQLite) or leaves it out (PostgreSQL's
    # headline drops HTML tags from its excerpt); the comment's page shows it as typed.
    assert comments.locator("b").count() == 0
    assert "numbat</b> drill" in comments.inner_text() or "numbat drill" in comments.inner_text()
    shoot(page, "02-comment-found")
    comments.get_by_role("link").first.click()
    page.wait_for_url("**/milestones/**")
    assert "numbat</b> drill" in page.locator("#comments").inner_text()

    box = page.locator("#site-search")
    box.fill("?!* --")
    box.press("Enter")
    page.wait_for_url("**/search/?q=**")
    assert page.get_by_role("alert").get_by_text("punctuation alone finds nothing").is_visible()
    shoot(page, "03-punctuation-refused")
    page.context.close()


def test_the_box_fits_the_top_bar_of_a_tenant_admin(browser, live_server, world):
    """An admin has the most links in the top bar: with the box it still takes one line at
    1280 px."""
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    shoot(page, "04-admin-top-bar")
    height = page.evaluate("document.querySelector('.app-navbar').offsetHeight")
    assert height < 80, f"the top bar wraps: {height} px high"
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"the top bar scrolls {sideways} px sideways at 1280 px"
    page.context.close()
