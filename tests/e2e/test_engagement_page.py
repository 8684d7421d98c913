import pytest

from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_provider_lead_reads_the_plan_on_a_laptop_and_a_phone(browser, live_server, screenshot):
    world = build_world("Alpha")
    for name, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        context.add_cookies([])
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(world.provider_lead.username)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Alpha care desk").click()

        page.get_by_role("heading", name="Alpha care desk").wait_for()
        headings = page.get_by_role("heading", level=2).all_inner_texts()
        assert [h.split("\n")[0] for h in headings[1:]] == [
            "1. Kickoff Not started",
            "2. Transition Not started",
            "3. Access Not started",
            "4. Tooling Not started",
            "5. Controlled go-live Not started",
            "6. Stabilisation Not started",
        ]
        assert page.get_by_role("cell", name="Campaign brief signed by both sides").count() == 1
        # Nothing overflows the viewport sideways on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert overflow is False
        screenshot(page, f"engagement-{name}")
        page.screenshot(path=str(screenshot.folder / f"engagement-{name}-top.png"))
        context.close()
