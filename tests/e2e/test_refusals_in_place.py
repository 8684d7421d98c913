"""Every refusal stays where it happened, with what was typed, in both modes the product runs
in: the run command's (``scripts/run.sh``: settings.local, DEBUG on) and production's (DEBUG
off). With DEBUG on, django-htmx's debug error handler once put any 400 answer in place of the
whole page: a refused row or grid cell wiped the page and what the person had typed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from engagements.plan import review_window
from engagements.services import start_transition
from governance.models import Gate
from governance.services import request_gate_decision, set_criterion_state
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.models import RaidItem
from registers.services import create_raid_item
from reporting.measurements import record_measurement
from reporting.models import Kpi, KpiMeasurement, Review
from tests.world import build_world, finish_phase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(
    autouse=True,
    params=[True, False],
    ids=["run-command-debug-on", "production-debug-off"],
)
def debug(request, settings):
    """Each test runs with the run command's DEBUG and with production's."""
    settings.DEBUG = request.param
    return request.param


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def assert_page_kept(page, heading: str) -> None:
    """The page around the refusal is still there, styled: not replaced by a bare fragment."""
    assert heading in page.locator("h1").first.inner_text()
    assert page.get_by_role("navigation", name="Main").is_visible()
    stylesheets = page.evaluate("document.styleSheets.length")
    assert stylesheets >= 2


def test_a_refused_row_status_stays_in_the_row(debug, page, live_server, screenshot):
    cache.clear()
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=2))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
    sign_in(page, live_server, world.provider_lead)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
    rows = page.locator("tr.milestone-row")
    shown = rows.count()
    session = rows.filter(has_text="Working kickoff session")

    session.get_by_text("Change").click()
    session.get_by_label("New status of Working kickoff session").select_option("done")
    session.get_by_role("button", name="Save", exact=True).click()

    alert = rows.filter(has_text="Working kickoff session").get_by_role("alert")
    alert.wait_for()
    assert "needs evidence before it can be done" in alert.inner_text()
    chosen = rows.filter(has_text="Working kickoff session").get_by_label(
        "New status of Working kickoff session"
    )
    assert chosen.input_value() == "done"
    assert rows.count() == shown
    assert_page_kept(page, "Alpha care desk")
    with tenant_context(world.tenant):
        assert Milestone.objects.get(title="Working kickoff session").status == "not_started"
    screenshot(page, f"refusal-row-status-{'debug' if debug else 'production'}")


@pytest.fixture
def day_14_review():
    cache.clear()
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        review = Review.objects.select_related("engagement").get(day=14)
        start, _end = review_window(review=review)
        record_measurement(
            actor=world.pmo,
            kpi=Kpi.objects.get(key="speed-to-lead"),
            measured_on=start,
            value=Decimal("10"),
        )
    return world, review


def test_the_kpi_grid_refuses_a_word_in_its_cell_and_reads_a_decimal_comma(
    debug, page, live_server, screenshot, day_14_review
):
    world, review = day_14_review
    sign_in(page, live_server, world.pmo)
    page.goto(
        f"{live_server.url}/engagements/{world.engagement.public_id}/reviews/{review.public_id}/"
    )
    heading = "Day-14 review: First data calibration"
    page.get_by_role("heading", name=heading).wait_for()

    cell = page.get_by_label("Speed to lead on 17 Jan")
    cell.fill("abc")
    cell.press("Tab")
    message = page.locator("td", has=page.get_by_label("Speed to lead on 17 Jan")).get_by_role(
        "alert"
    )
    message.wait_for()
    assert "Enter a number" in message.inner_text()
    assert "12.5" in message.inner_text()  # it says what to type
    assert page.get_by_label("Speed to lead on 17 Jan").input_value() == "abc"
    assert_page_kept(page, heading)

    comma = page.get_by_label("Speed to lead on 18 Jan")
    comma.fill("12,5")
    comma.press("Tab")
    page.get_by_text("Speed to lead on 18 Jan saved.").wait_for(state="attached")
    assert page.get_by_label("Speed to lead on 18 Jan").input_value() == "12.5"
    assert_page_kept(page, heading)
    with tenant_context(world.tenant):
        stored = KpiMeasurement.objects.get(kpi__key="speed-to-lead", measured_on="2026-01-18")
        assert stored.value == Decimal("12.5")
        assert not KpiMeasurement.objects.filter(measured_on="2026-01-17").exists()
    screenshot(page, f"refusal-kpi-grid-{'debug' if debug else 'production'}")


def test_gate_approval_and_rejection_are_refused_on_the_gate_page(debug, page, live_server):
    cache.clear()
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        finish_phase(world, "kickoff")
        gate = Gate.objects.select_related("engagement").get(phase__kind="kickoff")
        required = list(gate.criteria.filter(required=True).order_by("position"))
        for criterion in required[1:]:
            set_criterion_state(actor=world.provider_lead, criterion=criterion, state="met")
        request_gate_decision(actor=world.provider_lead, gate=gate)
    sign_in(page, live_server, world.pmo)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/gates/{gate.public_id}/")
    page.get_by_role("heading", name="Kickoff gate").wait_for()

    page.get_by_label("Comment", exact=True).fill("Ready for transition")
    page.get_by_role("button", name="Approve").click()
    page.locator("#approval-refused").wait_for()
    assert page.get_by_label("Comment", exact=True).input_value() == "Ready for transition"
    assert_page_kept(page, "Kickoff gate")

    page.get_by_label("Reason for rejecting").fill("   ")
    page.get_by_role("button", name="Reject").click()
    page.locator("#reject-reason-error").wait_for()
    assert_page_kept(page, "Kickoff gate")
    with tenant_context(world.tenant):
        assert Gate.objects.get(pk=gate.pk).status == "requested"


def test_a_refused_raid_quick_edit_stays_in_its_row(debug, page, live_server):
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind="exception",
            title="Refund requested without a receipt",
            description="Customers ask for a refund but cannot show a receipt.",
            owner=world.client_lead,
            due_date=datetime.date(2026, 12, 20),
        )
    sign_in(page, live_server, world.provider_lead)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/raid/")
    page.get_by_role("heading", name="RAID register").wait_for()

    page.get_by_role("link", name="Quick edit").first.click()
    editor = page.locator("tr.raid-editing")
    editor.get_by_label("Status").select_option("closed")
    editor.get_by_label("Due date").fill("2026-12-24")
    editor.get_by_role("button", name="Save").click()
    # An exception is closed by its agreed rule, which this one lacks.
    page.locator("tr.raid-editing").get_by_role("alert").wait_for()
    assert "decision rule" in page.locator("tr.raid-editing").get_by_role("alert").inner_text()
    assert page.locator("tr.raid-editing").get_by_label("Due date").input_value() == "2026-12-24"
    assert page.locator("tr.raid-editing").get_by_label("Status").input_value() == "closed"
    assert_page_kept(page, "RAID register")
    with tenant_context(world.tenant):
        assert RaidItem.objects.get().status != "closed"
        assert RaidItem.objects.get().due_date == datetime.date(2026, 12, 20)


def test_an_upload_preview_with_a_bad_row_lists_it_and_imports_nothing(
    debug, page, live_server, tmp_path
):
    world = build_world("Alpha")
    sign_in(page, live_server, world.provider_lead)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/kpis/upload/")
    upload = tmp_path / "week.csv"
    upload.write_text("kpi,date,value\nshow-rate,2026-04-06,71.5\nnot-a-kpi,2026-04-06,1\n")
    page.get_by_label("Measurement file (CSV or XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    assert "Nothing will be imported." in page.get_by_role("alert").inner_text()
    assert "Unknown KPI “not-a-kpi”." in page.get_by_role("table").first.inner_text()
    assert page.get_by_label("Corrected file (CSV or XLSX)").is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()
    with tenant_context(world.tenant):
        assert not KpiMeasurement.objects.exists()


def test_a_refused_status_on_the_milestone_page_keeps_the_choice(
    debug, browser, live_server, screenshot
):
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        session = Milestone.objects.select_related("engagement").get(
            title="Working kickoff session"
        )
    engagement_url = f"{live_server.url}/engagements/{world.engagement.public_id}"
    url = f"{engagement_url}/milestones/{session.public_id}/"
    for size, (width, height) in (("desktop", (1280, 800)), ("phone", (390, 844))):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, world.provider_lead)
        page.goto(url)
        page.get_by_label("Status").select_option("done")
        page.get_by_role("button", name="Change status").click()
        page.get_by_role("alert").filter(has_text="needs evidence").wait_for()
        assert "or attach a file" in page.locator("form.status-change").inner_text()
        assert page.get_by_label("Status").input_value() == "done"
        assert_page_kept(page, "Working kickoff session")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.locator("form.status-change").scroll_into_view_if_needed()
        screenshot(page, f"refusal-milestone-status-{size}-{'debug' if debug else 'production'}")
        context.close()
    with tenant_context(world.tenant):
        assert Milestone.objects.get(pk=session.pk).status == "not_started"
