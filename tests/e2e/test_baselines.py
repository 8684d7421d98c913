"""Baselines in a real browser: PMO approves the kickoff gate, so a baseline is saved; a
transition milestone slips by a week on its edit form; the engagement page, its timeline and
the Baselines tab show the slip against that baseline. Screenshots at 1280 and 390 px under
``test-artifacts/baselines/``; at 390 px nothing scrolls sideways."""

from __future__ import annotations

import datetime
import shutil

import pytest
from django.core.cache import cache

from baselines.models import Baseline
from engagements.services import start_transition
from governance.models import Gate
from governance.services import request_gate_decision
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.e2e.conftest import ARTIFACTS
from tests.world import build_world, finish_phase, meet_criteria_and_attest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.dates]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
FOLDER = ARTIFACTS / "baselines"


def shoot(page, name: str) -> None:
    page.screenshot(path=str(FOLDER / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{name} scrolls {sideways} px sideways at 390 px"
        page.screenshot(path=str(FOLDER / f"{name}-390.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


@pytest.fixture
def kickoff_waiting_for_pmo():
    cache.clear()
    # Signed a week before the pinned today (7 Dec 2026): kickoff's work is done about on time.
    world = build_world("Alpha", day0=datetime.date(2026, 11, 30))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        finish_phase(world, "kickoff")
        gate = Gate.objects.select_related("engagement").get(phase__kind="kickoff")
        meet_criteria_and_attest(world, gate)
        request_gate_decision(actor=world.provider_lead, gate=gate)
    return world, gate


def test_approving_a_gate_saves_a_baseline_and_a_slipped_milestone_shows_against_it(
    browser, live_server, kickoff_waiting_for_pmo
):
    world, gate = kickoff_waiting_for_pmo
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    base = f"{live_server.url}/engagements/{world.engagement.public_id}"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.pmo.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # PMO approves the kickoff gate: a baseline named after it is saved.
    page.goto(f"{base}/gates/{gate.public_id}/")
    page.get_by_label("Comment", exact=True).fill("Ready for transition")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("“Kickoff gate” approved.").wait_for()
    page.get_by_role("link", name="Baselines").click()
    page.get_by_role("link", name="Kickoff gate approved").wait_for()
    assert "Transition started" in page.locator("table.baseline-table").inner_text()
    shoot(page, "01-baselines")

    # A transition milestone slips by a week on its edit form.
    with tenant_context(world.tenant):
        milestone = (
            Milestone.objects.filter(engagement=world.engagement, phase__kind="transition")
            .order_by("due_date", "id")
            .first()
        )
        kept = Baseline.objects.get(name="Kickoff gate approved")
    slipped_to = milestone.due_date + datetime.timedelta(days=7)
    page.goto(f"{base}/milestones/{milestone.public_id}/edit/")
    page.get_by_label("Due date").fill(slipped_to.isoformat())
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(lambda url: "/edit/" not in url)

    # The engagement page says it beside the due date, and names the baseline.
    page.goto(f"{base}/")
    badge = page.locator(".badge.baseline-slip").first
    badge.wait_for()
    assert badge.inner_text() == f"+7 d vs baseline {milestone.due_date:%-d %b}"
    assert "“Kickoff gate approved”" in page.locator(".baseline-note").inner_text()
    assert "1 milestone moved" in page.locator(".baseline-note").inner_text()
    shoot(page, "02-engagement-page")

    # The comparison lists it as slipped, with its dates.
    page.goto(f"{base}/baselines/{kept.public_id}/")
    summary = page.locator(".baseline-summary").inner_text()
    assert "slipped against “Kickoff gate approved”" in summary
    row = page.locator("table.baseline-comparison tr.slipped", has_text=milestone.title)
    assert "+7 d" in row.inner_text() and "7 days late" in row.inner_text()
    shoot(page, "03-comparison")

    # A named baseline from the form; the same name again is refused beside the field.
    page.goto(f"{base}/baselines/")
    page.get_by_label("Name").fill("After the slip")
    page.get_by_role("button", name="Save baseline").click()
    page.get_by_text("Baseline “After the slip” saved.").wait_for()
    page.goto(f"{base}/baselines/")
    page.get_by_label("Name").fill("After the slip")
    page.get_by_role("button", name="Save baseline").click()
    page.get_by_text("is taken in this engagement").wait_for()
    shoot(page, "04-name-taken")
    context.close()
