import pytest
import time_machine
from django.core.cache import cache

from notifications.models import Notification, Preference
from notifications.scan import run_scan
from tests.notifications.conftest import at, deliver
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def remind(*instants):
    for instant in instants:
        with time_machine.travel(instant, tick=False):
            run_scan(now=instant, dispatch=deliver)


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Alpha").wait_for()


def test_the_client_lead_reads_and_clears_notifications(page, phone_page, live_server, screenshot):
    cache.clear()
    world = build_world("Alpha")
    remind(at("2026-01-08"), at("2026-01-09"))
    unread = Notification._base_manager.filter(recipient=world.client_lead).count()
    assert unread >= 4

    sign_in(page, live_server, world.client_lead)
    bell = page.locator("#notification-bell")
    bell.wait_for()
    assert bell.inner_text().split() == ["Notifications", str(unread), "unread"]
    bell.click()
    page.get_by_role("heading", name="Notifications").wait_for()
    assert page.locator("li.notification").count() == unread
    screenshot(page, "notifications-desktop")

    first = page.locator("li.notification").first
    title = first.locator("a.fw-semibold").inner_text()
    assert title
    first.get_by_role("button", name="Mark read").click()
    page.locator("#unread-count").get_by_text(f"{unread - 1} unread").wait_for()
    assert bell.inner_text().split() == ["Notifications", str(unread - 1), "unread"]
    page.wait_for_function(
        f"document.querySelectorAll('li.notification-unread').length === {unread - 1}"
    )

    page.get_by_role("button", name="Mark all as read").click()
    page.locator("#unread-count").get_by_text("0 unread").wait_for()
    assert page.locator("#notification-bell .badge").count() == 0

    sign_in(phone_page, live_server, world.client_lead)
    phone_page.goto(f"{live_server.url}/notifications/")
    phone_page.get_by_role("heading", name="Notifications").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    screenshot(phone_page, "notifications-phone")


def test_the_client_lead_chooses_a_daily_digest(page, phone_page, live_server, screenshot):
    cache.clear()
    world = build_world("Alpha")
    sign_in(page, live_server, world.client_lead)
    page.locator(".user-name").click()  # the account menu
    page.get_by_role("link", name="Notification preferences").click()
    page.get_by_role("heading", name="Notification preferences").wait_for()
    page.locator("#notification-bell").wait_for()
    screenshot(page, "preferences-desktop")

    page.get_by_label("Time zone").select_option("Pacific/Auckland")
    page.get_by_label("One daily digest at 08:00 with all of the day's reminders").check()
    page.get_by_label("Review in 3 days").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Your notification preferences are saved.").wait_for()
    preference = Preference.objects.get(user=world.client_lead)
    assert preference.daily_digest and preference.email_off == ["review_upcoming"]
    assert "now Pacific/Auckland" in page.locator("main").inner_text()

    sign_in(phone_page, live_server, world.client_lead)
    phone_page.goto(f"{live_server.url}/notifications/preferences/")
    phone_page.get_by_role("heading", name="Notification preferences").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    screenshot(phone_page, "preferences-phone")
