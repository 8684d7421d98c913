"""Exports and the calendar link through the real pages in Chromium, photographed at 1280 and
390 px: a member downloads the milestones as CSV, makes a calendar link and subscribes."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from icalendar import Calendar

from kernel.tenancy import tenant_context
from milestones.models import Milestone
from reporting.measurements import record_measurement
from reporting.models import Kpi
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def serious_violations(page):
    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def world():
    cache.clear()
    built = build_world("Alpha")
    with tenant_context(built.tenant):
        kpi = Kpi.objects.get(engagement=built.engagement, key="contact-rate")
        for day in (19, 20):
            record_measurement(
                actor=built.pmo,
                kpi=kpi,
                measured_on=datetime.date(2026, 1, day),
                value=Decimal("31"),
            )
    return built


@pytest.mark.dates
def test_member_downloads_the_milestones_of_their_engagement(page, live_server, screenshot, world):
    sign_in(page, live_server, world.client_lead.username)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/exports/")
    page.get_by_role("heading", name="Exports of Alpha care desk").wait_for()
    assert page.get_by_role("cell", name="37").first.is_visible()
    screenshot(page, "exports-engagement-desktop")
    assert serious_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV of milestones").click()
    download = download_info.value
    today = world.engagement.today().isoformat()
    assert download.suggested_filename == f"alpha-care-desk-milestones-{today}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    with tenant_context(world.tenant):
        titles = set(
            Milestone.objects.filter(engagement=world.engagement).values_list("title", flat=True)
        )
    assert rows[0][:3] == ["Engagement", "Phase", "Milestone"]
    assert {row[2] for row in rows[1:]} == titles

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel workbook of kpi measurements").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")


def test_member_makes_a_calendar_link_and_the_feed_answers(
    page, live_server, screenshot, world, settings
):
    settings.SITE_URL = live_server.url
    sign_in(page, live_server, world.provider_lead.username)
    page.get_by_role("link", name="Calendar & exports").click()
    page.get_by_role("heading", name="Calendar and exports", exact=True).wait_for()
    assert page.get_by_text("You have no calendar link yet.").is_visible()
    screenshot(page, "exports-calendar-empty-desktop")

    page.get_by_role("button", name="Make my calendar link").click()
    page.get_by_text("it is shown only this once").wait_for()
    link = page.get_by_role("textbox", name="Your calendar link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/calendar/[\w-]+\.ics", link)
    screenshot(page, "exports-calendar-desktop")
    assert serious_violations(page) == []

    feed = page.request.get(link)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    summaries = {str(event["SUMMARY"]) for event in Calendar.from_ical(feed.body()).walk("VEVENT")}
    assert "Alpha care desk: Kickoff gate" in summaries

    page.goto(f"{live_server.url}/calendar/")
    assert page.get_by_role("textbox", name="Your calendar link").count() == 0
    page.get_by_role("button", name="Make a new link").click()
    page.get_by_text("it is shown only this once").wait_for()
    assert page.request.get(link).status == 404


def test_the_pages_fit_a_phone(phone_page, live_server, screenshot, world):
    page = phone_page
    sign_in(page, live_server, world.pmo.username)
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/exports/")
    page.get_by_role("heading", name="Exports of Alpha care desk").wait_for()
    no_sideways_scroll(page)
    screenshot(page, "exports-engagement-phone")

    page.goto(f"{live_server.url}/calendar/")
    page.get_by_role("button", name="Make my calendar link").click()
    page.get_by_text("it is shown only this once").wait_for()
    no_sideways_scroll(page)
    screenshot(page, "exports-calendar-phone")
    assert serious_violations(page) == []
