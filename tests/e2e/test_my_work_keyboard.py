"""A provider lead with a big plan works My work: filters, pages and the keyboard."""

import datetime
import re

import pytest
from django.core.cache import cache

from engagements.services import start_transition
from kernel.tenancy import tenant_context
from registers.services import create_raid_item
from tests.e2e.test_portfolio_and_admin import no_sideways_scroll, serious_violations, sign_in
from tests.world import add_engagement, build_world
from transition.portfolio import today_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def big_plan():
    """Alpha's provider lead owns the plan's milestones on two engagements, plus 36 RAID
    items on the second, 30 of them overdue."""
    cache.clear()
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        second = add_engagement(world, name="Second desk")
        start_transition(actor=world.pmo, engagement=second)
        today = today_for(world.provider_lead)
        for number in range(36):
            create_raid_item(
                actor=world.pmo,
                engagement=second,
                kind="action",
                title=f"Chase supplier {number:02d}",
                owner=world.provider_lead,
                due_date=today + datetime.timedelta(days=number - 30),
            )
    world.second = second
    return world


def current_row(page) -> str:
    return page.evaluate("(document.querySelector('tr.row-current') || {}).id || ''")


def test_provider_lead_filters_pages_and_works_my_work_by_keyboard(
    browser, live_server, screenshot, big_plan
):
    world = big_plan
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, world.provider_lead.username)
    page.get_by_role("link", name="My work").click()
    page.get_by_role("heading", name="My work").wait_for()
    assert page.locator(".pagination").get_by_text("Page 1 of 3").is_visible()

    # Overdue, this engagement: the list narrows in place and the URL says so.
    page.get_by_label("Engagement").select_option(label="Second desk")
    page.get_by_text("items match these filters").wait_for()
    page.get_by_label("Overdue only").check()
    page.wait_for_url(re.compile(r"overdue=on"))
    page.get_by_text(re.compile(r"\d+ items match these filters, \d+ overdue")).wait_for()
    assert f"engagement={world.second.public_id}" in page.url
    summary = page.get_by_text("items match these filters").inner_text()
    total = int(summary.split()[0])
    assert total > 25
    rows = page.locator("tr[data-row]")
    assert rows.count() == 25
    assert set(rows.locator("td[data-label=Engagement]").all_inner_texts()) == {"Second desk"}
    assert all("Overdue" in due for due in rows.locator("td[data-label=Due]").all_inner_texts())
    screenshot(page, "my-work-filtered-desktop")
    assert serious_violations(page) == []

    # The next page, then j and k through its rows.
    page.get_by_role("link", name="Next page").click()
    page.locator(".pagination").get_by_text("Page 2 of 2").wait_for()
    assert rows.count() == total - 25
    page.locator("body").press("j")
    first = current_row(page)
    assert first == page.locator("tr[data-row]").first.get_attribute("id")
    assert page.evaluate("document.activeElement.id") == first
    page.keyboard.press("j")
    second = current_row(page)
    assert second and second != first
    page.keyboard.press("k")
    assert current_row(page) == first
    # Keys typed into a field are the field's: Overdue only keeps focus, the row stays.
    page.get_by_label("Overdue only").focus()
    page.keyboard.press("j")
    assert current_row(page) == first

    # ? lists the keys in a dialog that Escape closes.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    assert "Next row" in dialog.inner_text()
    screenshot(page, "my-work-keys-desktop")
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # e opens the current row's item to edit it.
    page.locator(f"#{first}").focus()
    page.keyboard.press("e")
    page.wait_for_url(re.compile(r"/raid/[0-9a-f-]+/$"))
    page.get_by_role("heading", level=1).wait_for()

    # The same shared view on a phone: nothing scrolls sideways.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    sign_in(small, live_server, world.provider_lead.username)
    small.goto(f"{live_server.url}/my-work/?engagement={world.second.public_id}&overdue=on")
    small.get_by_text("items match these filters").wait_for()
    assert small.get_by_label("Overdue only").is_checked()
    no_sideways_scroll(small)
    screenshot(small, "my-work-filtered-phone")
    assert serious_violations(small) == []
    small.goto(f"{live_server.url}/my-work/?group=week")
    small.get_by_text(re.compile(r"Week of ")).first.wait_for()
    no_sideways_scroll(small)
    screenshot(small, "my-work-by-week-phone")
    phone.close()
    context.close()


def test_milestones_of_the_engagement_page_by_keyboard(browser, live_server, screenshot, big_plan):
    world = big_plan
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, world.provider_lead.username)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
    page.get_by_role("heading", name="Milestones", exact=True).wait_for()

    page.keyboard.press("j")
    page.keyboard.press("j")
    row = current_row(page)
    assert row == page.locator("tr[data-row]").nth(1).get_attribute("id")
    screenshot(page, "engagement-keys-desktop")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Close").click()
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for(state="hidden")

    # x ticks the row's box for a bulk change, and x again unticks it.
    box = page.locator(f"#{row} input.bulk-select")
    page.keyboard.press("x")
    assert box.is_checked()
    page.keyboard.press("x")
    assert not box.is_checked()
    assert current_row(page) == row

    page.keyboard.press("e")
    page.wait_for_url(re.compile(r"/milestones/[0-9a-f-]+/edit/$"))
    assert row.removeprefix("milestone-") in page.url

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    sign_in(small, live_server, world.provider_lead.username)
    small.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
    small.get_by_role("heading", name="Milestones", exact=True).wait_for()
    no_sideways_scroll(small)
    screenshot(small, "engagement-keys-phone")
    phone.close()
    context.close()
