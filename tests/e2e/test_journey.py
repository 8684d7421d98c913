"""The whole journey in a real browser, each person signing in through the login form.

PMO builds an engagement from the contact-centre playbook and starts it; the provider lead
works the kickoff (a refusal in place, a completion with evidence, a file); both leads attest
the kickoff gate; PMO is refused approval while an item is open, follows its link, closes it
and approves, and the transition phase is active; a PMO-side reviewer publishes the day-14
review once its miss is explained. Then people outside the engagement get 404 for it.

Every page the journey visits is photographed at 1280 and 390 px wide under
``test-artifacts/journey/``, numbered in order; at 390 px nothing may scroll sideways.
"""

from __future__ import annotations

import datetime
import re
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import Membership
from engagements.models import Engagement, Phase
from engagements.plan import review_window
from engagements.playbooks import get_builtin
from governance.models import Gate, GateCriterion
from governance.services import set_criterion_state
from kernel.tenancy import tenant_context
from milestones.models import EvidenceFile, Milestone
from milestones.services import update_milestone
from reporting.measurements import record_measurement
from reporting.models import Kpi, Review
from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.tabs import expected_tabs
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
FOLDER = ARTIFACTS / "journey"
SIGNED_MINUTES = b"%PDF-1.4\n% kickoff minutes, signed by both sides\n%%EOF\n"


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


class Journey:
    """Signs people in and photographs each page at both widths, numbered in order."""

    def __init__(self, browser, live_server):
        self.browser, self.url, self.step = browser, live_server.url, 0
        shutil.rmtree(FOLDER, ignore_errors=True)
        FOLDER.mkdir(parents=True)
        self.contexts = []

    def sign_in(self, user):
        context = self.browser.new_context(viewport=DESKTOP)
        self.contexts.append(context)
        page = context.new_page()
        page.goto(f"{self.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def shoot(self, page, name: str, *, axe: bool = False) -> None:
        """The page as it is now, at 1280 px and at 390 px (same state, no reload)."""
        self.step += 1
        stem = FOLDER / f"{self.step:02d}-{name}"
        page.screenshot(path=f"{stem}-1280.png", full_page=True)
        if axe:
            assert serious_violations(page) == [], name
        page.set_viewport_size(PHONE)
        try:
            sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert sideways <= 0, f"{name} scrolls {sideways} px sideways at 390 px"
            page.screenshot(path=f"{stem}-390.png", full_page=True)
        finally:
            page.set_viewport_size(DESKTOP)

    def close(self):
        for context in self.contexts:
            context.close()


def harbour_tabs(tenant) -> list[str]:
    """Plan, Gates, Reviews, whichever optional areas are installed, and Administer."""
    with tenant_context(tenant):
        engagement = Engagement.objects.get(name="Harbour care desk")
    return expected_tabs(engagement, may_manage=True)


def row(page, title):
    """The milestone's row on the engagement page, found by its title link."""
    title_link = page.locator("a.milestone-title").get_by_text(title, exact=True)
    return page.locator("tr.milestone-row").filter(has=title_link)


def set_status(page, title, status):
    found = row(page, title)
    if not found.locator("td.row-status details[open]").count():  # a refusal leaves it open
        found.get_by_text("Change").click()
    found.get_by_label(f"New status of {title}").select_option(status)
    found.get_by_role("button", name="Save", exact=True).click()


def stored(tenant, title):
    with tenant_context(tenant):
        return Milestone.objects.select_related("engagement", "phase").get(
            engagement__name="Harbour care desk", title=title
        )


@pytest.fixture
def people():
    """Tenant Alpha (its own care desk run by another provider lead), the people who will run
    a new engagement in it, and tenant Bravo."""
    cache.clear()
    world = build_world("Alpha")
    newcomers = {}
    for username, first, last in (
        ("hana.okafor", "Hana", "Okafor"),  # the new engagement's provider lead
        ("ravi.menon", "Ravi", "Menon"),  # its PMO lead, who runs the reviews
    ):
        user = factories.UserFactory(username=username, first_name=first, last_name=last)
        Membership.objects.create(user=user, tenant=world.tenant, role="member")
        newcomers[username] = user
    foreign = build_world("Bravo")
    return world, newcomers["hana.okafor"], newcomers["ravi.menon"], foreign


@pytest.mark.dates
def test_the_whole_journey(browser, live_server, people):
    world, provider_lead, reviewer, foreign = people
    journey = Journey(browser, live_server)
    # Signed 16 days ago: the kickoff is behind schedule and the day-14 window has closed.
    with tenant_context(world.tenant):
        day0 = Engagement.objects.get().today() - datetime.timedelta(days=16)
    try:
        run_the_journey(journey, world, provider_lead, reviewer, foreign, day0)
    finally:
        journey.close()


def run_the_journey(journey, world, provider_lead, reviewer, foreign, day0):
    tenant = world.tenant

    # --- PMO builds the engagement from the playbook and starts it ---------------------------
    page = journey.sign_in(world.pmo)
    page.get_by_role("heading", name="Alpha", exact=True).wait_for()
    journey.shoot(page, "pmo-portfolio", axe=True)
    page.get_by_role("link", name="New engagement").click()
    page.get_by_role("heading", name="90-day contact-centre launch").wait_for()
    journey.shoot(page, "pmo-choose-playbook")
    page.get_by_role("link", name=re.compile("Use this playbook.*90-day contact-centre")).click()
    page.get_by_label("Engagement name").fill("Harbour care desk")
    page.get_by_label("Client", exact=True).fill("Harbour Insurance")
    page.get_by_label("Provider", exact=True).fill("Northstar Contact")
    page.get_by_label("Contract signed (day 0)").fill(day0.isoformat())
    page.get_by_label("Time zone").select_option("Europe/London")
    owners = {
        "client_lead": world.client_lead,
        "client_it_owner": world.client_staff,
        "provider_lead": provider_lead,
        "provider_campaign_manager": world.provider_staff,
        "provider_qa_lead": world.provider_staff,
        "pmo_lead": reviewer,
    }
    for role in get_builtin("contact-centre-90-day").roles:
        page.get_by_label(role.label, exact=True).select_option(str(owners[role.key].public_id))
    journey.shoot(page, "pmo-new-engagement-form")
    page.get_by_role("button", name="Preview the plan").click()
    page.get_by_role("heading", name="The plan").wait_for()
    journey.shoot(page, "pmo-plan-preview")
    with tenant_context(tenant):
        assert not Engagement.objects.filter(name="Harbour care desk").exists()
    page.get_by_role("button", name="Create the engagement").click()
    page.get_by_role("heading", name="Harbour care desk").wait_for()
    assert page.get_by_text("Harbour care desk was created from").is_visible()
    assert page.get_by_text("This engagement is being planned").is_visible()
    journey.shoot(page, "pmo-engagement-planning")

    tabs = page.get_by_role("navigation", name="Harbour care desk")
    expect(tabs.get_by_role("link")).to_have_text(harbour_tabs(tenant))
    tabs.get_by_role("link", name="Administer").click()
    page.get_by_role("heading", name="Administer Harbour care desk").wait_for()
    page.get_by_role("button", name="Start the transition").click()
    page.get_by_text("Harbour care desk is in transition").wait_for()
    journey.shoot(page, "pmo-administer-started")
    page.get_by_role("navigation", name="Harbour care desk").get_by_role(
        "link", name="Plan"
    ).click()
    page.get_by_role("heading", name="Harbour care desk").wait_for()
    assert "Kickoff" in page.locator(".facts").inner_text()
    journey.shoot(page, "pmo-engagement-in-transition", axe=True)
    engagement_url = page.url

    # --- The provider lead works the kickoff ---------------------------------------------------
    page = journey.sign_in(provider_lead)
    page.get_by_role("link", name="My work").click()
    page.get_by_role("heading", name="My work").wait_for()
    assert page.get_by_role("link", name="Attest “Kickoff gate”").is_visible()
    journey.shoot(page, "provider-my-work", axe=True)
    page.get_by_role("link", name="Technical needs confirmed").click()
    page.get_by_role("heading", name="Technical needs confirmed").wait_for()
    journey.shoot(page, "provider-milestone-page")
    page.get_by_role("link", name="Write its evidence on the plan").click()
    page.get_by_role("heading", name="Harbour care desk").wait_for()
    assert row(page, "Technical needs confirmed").evaluate("row => row.matches(':target')")

    # Refused in place: its dependency is still open.
    set_status(page, "Technical needs confirmed", "done")
    alert = row(page, "Technical needs confirmed").get_by_role("alert")
    alert.wait_for()
    assert "cannot be done before its dependencies: Working kickoff session (not started)" in (
        alert.inner_text()
    )
    assert stored(tenant, "Technical needs confirmed").status == "not_started"
    row(page, "Technical needs confirmed").scroll_into_view_if_needed()
    journey.shoot(page, "provider-refused-dependency-open")

    # Refused in place: it needs evidence. Then done with it.
    session = row(page, "Working kickoff session")
    session.get_by_text("Add evidence").click()
    session.get_by_role("button", name="Save and mark done").click()
    row(page, "Working kickoff session").get_by_text(
        "Evidence: Add the evidence text or link, or attach a file, that proves this milestone "
        "is done."
    ).wait_for()
    assert stored(tenant, "Working kickoff session").status == "not_started"
    journey.shoot(page, "provider-refused-evidence-missing")
    session = row(page, "Working kickoff session")
    session.get_by_label("Evidence", exact=True).fill("Kickoff held; minutes signed by both sides")
    session.get_by_role("button", name="Save and mark done").click()
    row(page, "Working kickoff session").locator(".status-done").wait_for()
    set_status(page, "Technical needs confirmed", "done")
    row(page, "Technical needs confirmed").locator(".status-done").wait_for()
    journey.shoot(page, "provider-kickoff-work-done")

    # The file behind the evidence, on the milestone's own page.
    row(page, "Working kickoff session").get_by_role("link", name="Working kickoff session").click()
    page.get_by_role("heading", name="Working kickoff session").wait_for()
    page.get_by_label("Attach a file").set_input_files(
        files=[
            {"name": "Kickoff minutes.pdf", "mimeType": "application/pdf", "buffer": SIGNED_MINUTES}
        ]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("“Kickoff minutes.pdf” attached.").wait_for()
    journey.shoot(page, "provider-file-attached")
    session = stored(tenant, "Working kickoff session")
    with tenant_context(tenant):
        evidence = EvidenceFile.objects.get(milestone=session)
    milestone_url = page.url.split("#")[0]
    download_url = f"{milestone_url}files/{evidence.public_id}/"
    downloaded = page.request.get(download_url)
    assert downloaded.status == 200 and downloaded.body() == SIGNED_MINUTES

    page.get_by_role("navigation", name="Harbour care desk").get_by_role(
        "link", name="Gates"
    ).click()
    page.get_by_role("heading", name="Gates").wait_for()
    journey.shoot(page, "provider-gates")
    page.get_by_role("link", name="Kickoff gate").click()
    page.get_by_role("button", name="Attest for the provider side").click()
    page.locator("#attest-provider").get_by_text("Attested").wait_for()
    page.get_by_role("button", name="Request decision").click()
    page.get_by_text("PMO has been asked to decide “Kickoff gate”.").wait_for()
    journey.shoot(page, "provider-gate-attested-and-requested")
    gate_url = page.url.split("#")[0]

    # --- The client lead attests from their work list ---------------------------------------
    page = journey.sign_in(world.client_lead)
    page.get_by_role("link", name="My work").click()
    page.get_by_role("link", name="Attest “Kickoff gate”").first.click()
    page.get_by_role("heading", name="Kickoff gate").wait_for()
    page.get_by_label("Comment (optional)").fill("Brief agreed with Harbour's operations team")
    page.get_by_role("button", name="Attest for the client side").click()
    page.locator("#attest-client").get_by_text("Attested").wait_for()
    journey.shoot(page, "client-gate-attested")

    # Meanwhile the team finishes the rest of the kickoff, all but the signed brief.
    with tenant_context(tenant):
        for title, actor in (
            ("Core contacts and communication rules", world.provider_staff),
            ("Campaign rules defined", world.client_lead),
            ("Launch timeline locked", reviewer),
        ):
            milestone = stored(tenant, title)
            update_milestone(actor=actor, milestone=milestone, status="done", evidence="Recorded")
        gate = Gate.objects.get(engagement__name="Harbour care desk", phase__kind="kickoff")
        for criterion in GateCriterion.objects.filter(gate=gate):
            set_criterion_state(actor=provider_lead, criterion=criterion, state="met")

    # --- PMO decides: refused while the brief is open, then approved ------------------------
    page = journey.sign_in(world.pmo)
    page.get_by_role("link", name="PMO queue").click()
    page.get_by_role("heading", name="Gates awaiting a decision").wait_for()
    journey.shoot(page, "pmo-queue")
    page.locator("table.pmo-queue tr", has_text="Harbour care desk").get_by_role(
        "link", name="Kickoff gate"
    ).click()
    page.get_by_label("Comment", exact=True).fill("Kickoff complete")
    page.get_by_role("button", name="Approve").click()
    refusal = page.locator("#approval-refused")
    refusal.wait_for()
    brief = "Open milestone: Campaign brief signed by both sides (not started)"
    assert refusal.get_by_role("listitem").all_inner_texts() == [brief]
    journey.shoot(page, "pmo-approval-refused", axe=True)

    refusal.get_by_role("link", name=brief).click()
    page.wait_for_url(re.compile(r"/engagements/[0-9a-f-]+/#milestone-[0-9a-f-]+$"))
    brief_row = row(page, "Campaign brief signed by both sides")
    assert page.url.endswith(f"#{brief_row.get_attribute('id')}")
    assert brief_row.evaluate("row => row.matches(':target')")  # outlined: where PMO landed
    journey.shoot(page, "pmo-lands-on-the-open-item")
    brief_row.get_by_text("Add evidence").click()
    brief_row.get_by_label("Evidence", exact=True).fill("Brief v3 signed by Harbour and Northstar")
    brief_row.get_by_role("button", name="Save and mark done").click()
    row(page, "Campaign brief signed by both sides").locator(".status-done").wait_for()
    journey.shoot(page, "pmo-open-item-closed")

    page.locator("#phase-kickoff").locator("xpath=ancestor::details[1]").get_by_role(
        "link", name="Kickoff gate"
    ).click()
    page.locator("#decision-panel").get_by_text("Nothing open").wait_for()
    page.get_by_label("Comment", exact=True).fill("Kickoff complete")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("“Kickoff gate” approved.").wait_for()
    assert page.url.split("#")[0] == gate_url
    journey.shoot(page, "pmo-gate-approved", axe=True)

    page.get_by_role("navigation", name="Harbour care desk").get_by_role(
        "link", name="Plan"
    ).click()
    page.get_by_role("heading", name="Harbour care desk").wait_for()
    facts = page.locator(".facts").inner_text()
    assert "Transition" in facts and "Active" in facts
    timeline = page.get_by_role("group", name="Phase timeline of Harbour care desk")
    assert timeline.locator(".tl-gate-approved").count() == 1
    assert timeline.locator("rect.tl-actual").count() == 2  # kickoff done, transition running
    headings = page.get_by_role("heading", level=3).all_inner_texts()
    assert headings[0].split("\n")[0].strip() == "2. Transition Active"
    journey.shoot(page, "pmo-next-phase-active")
    with tenant_context(tenant):
        assert Phase.objects.get(
            engagement__name="Harbour care desk", kind="transition"
        ).status == ("active")

    # --- The day-14 review --------------------------------------------------------------------
    with tenant_context(tenant):
        review = Review.objects.get(engagement__name="Harbour care desk", day=14)
        start, end = review_window(review=review)
        # The daily feed brought every KPI but speed to lead, on target.
        for kpi in Kpi.objects.filter(engagement=review.engagement).exclude(key="speed-to-lead"):
            day = start
            while day <= end:
                record_measurement(actor=reviewer, kpi=kpi, measured_on=day, value=kpi.target + 5)
                day += datetime.timedelta(days=1)
    page = journey.sign_in(reviewer)
    page.get_by_role("link", name="Harbour care desk", exact=True).click()
    tabs = page.get_by_role("navigation", name="Harbour care desk")
    expect(tabs.get_by_role("link")).to_have_text(harbour_tabs(tenant))
    tabs.get_by_role("link", name="Reviews").click()
    page.get_by_role("heading", name="Reviews").wait_for()
    journey.shoot(page, "reviewer-reviews")
    page.get_by_role("link", name="First data calibration").click()
    page.get_by_role("heading", name="Day-14 review: First data calibration").wait_for()
    for day, value in ((end - datetime.timedelta(days=1), "11"), (end, "12")):
        label = f"Speed to lead on {day.day} {day:%b}"
        cell = page.get_by_label(label)
        cell.fill(value)
        cell.press("Tab")
        page.get_by_text(f"{label} saved.").wait_for(state="attached")
    page.get_by_role("button", name="Refresh results").click()
    page.get_by_text(
        "Results refreshed: 4 of 5 KPIs with data on target over the window."
    ).wait_for()
    page.get_by_role("button", name="Publish review").click()
    refused = page.locator("#publish-refused")
    refused.wait_for()
    assert refused.get_by_role("listitem").all_inner_texts() == [
        "Speed to lead: missed without root cause, corrective action, owner and due date"
    ]
    journey.shoot(page, "reviewer-publish-refused", axe=True)

    miss = page.locator("article.miss", has_text="Speed to lead")
    miss.get_by_label("Root cause").fill("Web leads queue behind outbound calls")
    miss.get_by_label("Corrective action").fill("A dedicated inbound agent from 8 to 12")
    miss.get_by_label("Owner of the fix").select_option(label=f"{provider_lead} (Provider)")
    miss.get_by_label("Due").fill((end + datetime.timedelta(days=21)).isoformat())
    miss.get_by_role("button", name="Save explanation").click()
    page.get_by_text("Explanation saved.").wait_for()
    page.get_by_role("button", name="Publish review").click()
    page.get_by_text("The Day-14 review is published.").wait_for()
    assert page.get_by_text("This review is read-only.").is_visible()
    journey.shoot(page, "reviewer-review-published", axe=True)
    with tenant_context(tenant):
        assert Review.objects.get(pk=review.pk).status == "published"

    # --- Nobody outside the engagement finds any of it ----------------------------------------
    urls = {
        "engagement": engagement_url,
        "milestone page": milestone_url,
        "file download": download_url,
        "gate page": gate_url,
    }
    for outsider, label in (
        (world.provider_lead, "other-engagement"),
        (foreign.provider_lead, "other-tenant"),
    ):
        page = journey.sign_in(outsider)
        assert page.get_by_role("link", name="Harbour care desk").count() == 0
        for name, url in urls.items():
            assert page.request.get(url).status == 404, f"{outsider}: {name}"
        assert page.goto(engagement_url).status == 404
        journey.shoot(page, f"{label}-lead-gets-404")
