"""KPI pages, an upload and a review report in a real browser, on a laptop and a phone; the
report's PDF turned into a picture of its first page beside the page screenshots."""

import os
import shutil
import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe

from kernel.tenancy import tenant_context
from reporting.models import Review
from reporting.tasks import render_review_report
from tests.reporting.story import measure_first_days, publish_day_30
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def assert_accessible(page):
    violations = Axe().run(page).response["violations"]
    serious = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []


def assert_fits(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def campaign(db):
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        measure_first_days(world)
        review = publish_day_30(world)
    return world, review


def test_pmo_reads_the_kpis_uploads_a_file_and_gets_the_day_30_report(
    browser, live_server, screenshot, campaign, tmp_path
):
    world, review = campaign
    base = f"{live_server.url}/engagements/{world.engagement.public_id}/kpis/"
    for name, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, world.pmo.username)

        page.goto(base)
        page.get_by_role("heading", name="KPIs", exact=True).wait_for()
        drift = page.get_by_role("region", name="Drift alerts")
        assert "Show rate on transferred prospects" in drift.inner_text()
        assert_fits(page)
        screenshot(page, f"kpis-{name}")
        assert_accessible(page)

        page.get_by_role("link", name="Show rate on transferred prospects").first.click()
        page.get_by_role("heading", name="Show rate on transferred prospects").wait_for()
        assert page.locator("svg.kpi-chart:visible").count() == 2  # the size that fits
        assert (
            "Worse three weeks running"
            in page.get_by_role("region", name="Drift alerts").inner_text()
        )
        assert_fits(page)
        screenshot(page, f"kpi-{name}")
        assert_accessible(page)

        page.goto(f"{base}reports/{review.public_id}/")
        page.get_by_role("heading", name="30-day baseline report").wait_for()
        assert_fits(page)
        screenshot(page, f"report-{name}")
        assert_accessible(page)
        context.close()

    # An upload through the form: the preview, then the import.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, world.provider_lead.username)
    page.goto(f"{base}upload/")
    upload = tmp_path / "week.csv"
    upload.write_text("kpi,date,value\nshow-rate,2026-04-06,71.5\nnot-a-kpi,2026-04-06,1\n")
    page.get_by_label("Measurement file (CSV or XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    assert "Nothing will be imported." in page.get_by_role("alert").inner_text()
    assert "Unknown KPI “not-a-kpi”." in page.get_by_role("table").first.inner_text()
    screenshot(page, "kpi-upload-errors-desktop")
    upload.write_text("kpi,date,value\nshow-rate,2026-04-06,71.5\nshow-rate,2026-04-05,69\n")
    page.get_by_label("Corrected file (CSV or XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Preview again").click()
    page.get_by_role("button", name="Import 2 measurements").wait_for()
    screenshot(page, "kpi-upload-preview-desktop")
    page.get_by_role("button", name="Import 2 measurements").click()
    assert (
        "Imported 2 measurements: 1 new, 1 replaced"
        in page.get_by_role("status").first.inner_text()
    )

    # The PDF: generated once, downloaded, its first page kept as a picture.
    page.goto(f"{base}reports/{review.public_id}/")
    # A worker renders it: the page shows its progress and polls until it is stored.
    page.get_by_role("button", name="Generate the PDF").click()
    page.get_by_text("Rendering the PDF").wait_for()
    render_review_report(review_id=review.pk, actor_id=world.pmo.pk, tenant_id=world.tenant.pk)
    page.get_by_role("link", name="Download the PDF").wait_for()
    download = page.request.get(f"{base}reports/{review.public_id}/pdf/")
    assert download.status == 200 and download.headers["content-type"] == "application/pdf"
    pdf = screenshot.folder / "report-day-30.pdf"
    pdf.write_bytes(download.body())
    context.close()
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm or os.environ.get("CI"):
        subprocess.run(
            [
                pdftoppm or "/usr/bin/pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(screenshot.folder / "report-pdf-page-1"),
            ],
            check=True,
        )
        assert (screenshot.folder / "report-pdf-page-1.png").stat().st_size > 10_000
    with tenant_context(world.tenant):
        assert Review.objects.get(pk=review.pk).report.sha256
