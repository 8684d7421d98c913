import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from engagements.services import start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.dates]

PASSWORD = "correct horse battery"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1).first.wait_for()


def running_world():
    """Signed two days ago and in transition: kickoff is the active phase."""
    cache.clear()
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=2))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
    return world


def open_engagement(page, live_server, world):
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
    page.get_by_role("heading", name=world.engagement.name).wait_for()


def row(page, title):
    return page.locator("tr.milestone-row").filter(has_text=title)


def stored(world, title):
    with tenant_context(world.tenant):
        return Milestone.objects.get(title=title)


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def test_provider_lead_reads_the_plan_on_a_laptop_and_a_phone(browser, live_server, screenshot):
    world = running_world()
    for name, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = context.new_page()
        sign_in(page, live_server, world.provider_lead.username)
        page.get_by_role("link", name="Alpha care desk").click()

        page.get_by_role("heading", name="Alpha care desk").wait_for()
        assert "Day 2 (signed" in page.locator(".facts").inner_text()
        headings = page.get_by_role("heading", level=3).all_inner_texts()
        assert [h.split("\n")[0].strip() for h in headings] == [
            "1. Kickoff Active",
            "2. Transition Not started",
            "3. Access Not started",
            "4. Tooling Not started",
            "5. Controlled go-live Not started",
            "6. Stabilisation Not started",
        ]
        assert page.get_by_role("group", name="Phase timeline of Alpha care desk").is_visible()
        assert page.get_by_role("cell", name="Campaign brief signed by both sides").count() == 1
        # Nothing overflows the viewport sideways on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert overflow is False
        assert serious_violations(page) == []
        screenshot(page, f"engagement-{name}")
        page.screenshot(path=str(screenshot.folder / f"engagement-{name}-top.png"))
        context.close()


def test_provider_lead_completes_a_kickoff_milestone_inline_with_evidence(
    page, live_server, screenshot
):
    world = running_world()
    sign_in(page, live_server, world.provider_lead.username)
    open_engagement(page, live_server, world)
    session = row(page, "Working kickoff session")

    session.get_by_text("Add evidence").click()
    session.get_by_label("Evidence", exact=True).fill("Kickoff minutes agreed by both sides")
    session.get_by_label("Link").fill("https://files.example.com/kickoff-minutes")
    screenshot(page, "engagement-evidence-editor")
    session.get_by_role("button", name="Save and mark done").click()

    row(page, "Working kickoff session").locator(".status-done").wait_for()
    shown = row(page, "Working kickoff session").inner_text()
    assert "Kickoff minutes agreed by both sides" in shown
    assert page.get_by_role("status").filter(has_text="Saved “Working kickoff session”").count()
    done = stored(world, "Working kickoff session")
    assert (done.status, done.evidence, done.version) == (
        "done",
        "Kickoff minutes agreed by both sides",
        2,
    )
    # The new version is in the row: a second change goes through without a reload.
    after = row(page, "Working kickoff session")
    after.get_by_text("Change").click()
    after.get_by_label("New status of Working kickoff session").select_option("in_progress")
    after.get_by_role("button", name="Save", exact=True).click()
    row(page, "Working kickoff session").locator(".status-in_progress").wait_for()
    assert stored(world, "Working kickoff session").version == 3
    screenshot(page, "engagement-after-inline-change")


def test_a_refused_completion_shows_its_message_in_place(browser, live_server, screenshot):
    world = running_world()
    for name, viewport in (("desktop", (1280, 800)), ("phone", (390, 844))):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = context.new_page()
        sign_in(page, live_server, world.client_lead.username)
        open_engagement(page, live_server, world)
        rules = row(page, "Campaign rules defined")

        rules.get_by_text("Change").click()
        rules.get_by_label("New status of Campaign rules defined").select_option("done")
        rules.get_by_role("button", name="Save", exact=True).click()

        alert = row(page, "Campaign rules defined").get_by_role("alert")
        alert.wait_for()
        assert "cannot be done before its dependencies" in alert.inner_text()
        assert "Working kickoff session (not started)" in alert.inner_text()
        select = row(page, "Campaign rules defined").get_by_label(
            "New status of Campaign rules defined"
        )
        assert select.input_value() == "done"  # what the person chose stays
        assert stored(world, "Campaign rules defined").status == "not_started"
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert overflow is False
        assert serious_violations(page) == []
        row(page, "Campaign rules defined").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot.folder / f"engagement-refused-{name}.png"))
        context.close()


def test_filters_update_the_list_and_the_address(page, live_server, screenshot):
    world = running_world()
    sign_in(page, live_server, world.provider_lead.username)
    open_engagement(page, live_server, world)
    total = page.locator("tr.milestone-row").count()

    page.get_by_label("Side", exact=True).select_option("provider")
    page.wait_for_url(re.compile(r"side=provider"))
    page.get_by_text(re.compile(r"milestones? match these filters")).wait_for()

    shown = page.locator("tr.milestone-row").count()
    with tenant_context(world.tenant):
        provider_side = Milestone.objects.filter(side="provider").count()
    assert 0 < shown == provider_side < total
    # The address is the filtered page: opening it again shows the same list.
    page.reload()
    assert page.locator("tr.milestone-row").count() == provider_side
    assert page.get_by_label("Side", exact=True).input_value() == "provider"
    page.get_by_label("Only mine").check()
    page.wait_for_url(re.compile(r"mine=on"))
    screenshot(page, "engagement-filtered")
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(re.compile(r"/engagements/[0-9a-f-]+/$"))
    assert page.locator("tr.milestone-row").count() == total
    assert page.get_by_label("Side", exact=True).input_value() == ""


def test_pmo_sees_a_slipped_gate_in_colour_and_words(page, phone_page, live_server, screenshot):
    from engagements.models import Phase
    from transition.services import reschedule_phase

    world = running_world()
    with tenant_context(world.tenant):
        access = Phase.objects.get(kind="access")
        reschedule_phase(
            actor=world.pmo,
            phase=access,
            planned_end=access.planned_end + datetime.timedelta(days=6),
            reason="Badge provisioning waits for the client's security review",
        )
    for name, browser_page in (("desktop", page), ("phone", phone_page)):
        sign_in(browser_page, live_server, world.pmo.username)
        open_engagement(browser_page, live_server, world)

        late = browser_page.locator(".late-gates")
        assert "Access gate (open)" in late.inner_text()
        assert "Gate slipped 6 days" in late.inner_text()
        assert browser_page.locator("svg .tl-gate-late").count() == 4  # access and after
        assert serious_violations(browser_page) == []
        browser_page.locator(".timeline-scroll").screenshot(
            path=str(screenshot.folder / f"engagement-slipped-timeline-{name}.png")
        )
