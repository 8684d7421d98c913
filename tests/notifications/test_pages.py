"""The notification centre and the preferences page, as a signed-in person sees them."""

import re

import time_machine
from django.test import Client

from notifications.models import Kind, Notification, Preference
from tests.notifications.conftest import at


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_my_notifications_newest_first(world, other_world, scan):
    scan(at("2026-01-08"))
    scan(at("2026-01-09"))
    response = signed_in(world.client_lead).get("/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    mine = list(Notification.objects.filter(recipient=world.client_lead))
    assert mine and all(str(n.public_id) in page for n in mine)
    assert f"{len(mine)} unread" in page
    # Nobody else's: not the client staff's, not another tenant's.
    for other in Notification.objects.exclude(recipient=world.client_lead):
        assert str(other.public_id) not in page
    assert other_world.engagement.name not in page
    newest = page.index(str(mine[0].public_id))
    assert all(newest <= page.index(str(n.public_id)) for n in mine)


def test_the_list_takes_the_same_queries_for_more_notifications(
    world, scan, django_assert_max_num_queries
):
    client = signed_in(world.client_lead)
    scan(at("2026-01-08"))
    few = Notification.objects.filter(recipient=world.client_lead).count()
    with django_assert_max_num_queries(10):
        assert client.get("/notifications/").status_code == 200
    for day in ("2026-01-09", "2026-01-10", "2026-01-11", "2026-01-12"):
        scan(at(day))
    assert Notification.objects.filter(recipient=world.client_lead).count() >= 3 * few
    with django_assert_max_num_queries(10):
        assert client.get("/notifications/").status_code == 200


def test_filters_show_unread_and_one_kind(world, scan):
    scan(at("2026-01-08"))
    client = signed_in(world.client_lead)
    overdue = Notification.objects.filter(recipient=world.client_lead, kind=Kind.MILESTONE_OVERDUE)
    soon = Notification.objects.filter(recipient=world.client_lead, kind=Kind.MILESTONE_DUE_SOON)
    page = client.get("/notifications/", {"kind": Kind.MILESTONE_OVERDUE}).content.decode()
    assert all(str(n.public_id) in page for n in overdue)
    assert not any(str(n.public_id) in page for n in soon)

    client.post(f"/notifications/{overdue[0].public_id}/read/")
    page = client.get("/notifications/", {"state": "unread"}).content.decode()
    assert str(overdue[0].public_id) not in page and str(soon[0].public_id) in page
    fragment = client.get("/notifications/", {"state": "read"}, headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="inbox">')
    assert "HX-Request" in fragment["Vary"]


def test_the_bell_counts_unread_notifications(world, scan):
    client = signed_in(world.client_lead)
    empty = client.get("/notifications/bell/").content.decode()
    assert "Notifications" in empty and "badge" not in empty
    scan(at("2026-01-08"))
    unread = Notification.objects.filter(recipient=world.client_lead).count()
    bell = client.get("/notifications/bell/").content.decode()
    assert f'>{unread}<span class="visually-hidden"> unread</span>' in bell
    assert 'href="/notifications/"' in bell


def test_marking_one_read_with_htmx_updates_the_row_and_the_bell(world, scan):
    scan(at("2026-01-08"))
    client = signed_in(world.client_lead)
    notification = Notification.objects.filter(recipient=world.client_lead).first()
    total = Notification.objects.filter(recipient=world.client_lead).count()

    response = client.post(
        f"/notifications/{notification.public_id}/read/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{notification.public_id}"' in html and "Mark read" not in html
    assert 'id="notification-bell" hx-swap-oob="true"' in html
    assert f"{total - 1} unread" in html
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_without_htmx_says_so(world, scan):
    scan(at("2026-01-08"))
    client = signed_in(world.client_lead)
    notification = Notification.objects.filter(recipient=world.client_lead).first()
    with time_machine.travel(at("2026-01-08", 9), tick=False):  # read the day it was made
        response = client.post(f"/notifications/{notification.public_id}/read/", follow=True)
    assert f"Marked “{notification.title}” as read." in response.content.decode()


def test_nobody_marks_another_persons_notification(world, scan):
    scan(at("2026-01-08"))
    theirs = Notification.objects.filter(recipient=world.client_staff).first()
    response = signed_in(world.client_lead).post(f"/notifications/{theirs.public_id}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert (
        signed_in(world.client_lead).get(f"/notifications/{theirs.public_id}/read/").status_code
        == 405
    )


def test_mark_all_read(world, scan):
    scan(at("2026-01-08"))
    client = signed_in(world.client_lead)
    response = client.post("/notifications/read-all/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "0 unread" in html and "Mark read" not in html
    assert not Notification.objects.filter(recipient=world.client_lead, read_at__isnull=True)
    assert Notification.objects.filter(recipient=world.client_staff, read_at__isnull=True)


def test_preferences_page_saves_e_mail_kinds_digest_and_time_zone(world):
    client = signed_in(world.client_lead)
    page = client.get("/notifications/preferences/").content.decode()
    assert "The tenant&#x27;s time zone (UTC)" in page
    kinds = [kind for kind in Kind.values if kind != Kind.REVIEW_UPCOMING]
    response = client.post(
        "/notifications/preferences/",
        {"time_zone": "Europe/Lisbon", "delivery": "digest", "email_kinds": kinds},
        follow=True,
    )
    assert "Your notification preferences are saved." in response.content.decode()
    preference = Preference.objects.get(user=world.client_lead)
    assert preference.daily_digest and preference.email_off == [Kind.REVIEW_UPCOMING]
    world.client_lead.refresh_from_db()
    assert world.client_lead.time_zone == "Europe/Lisbon"
    assert "now <strong>Europe/Lisbon</strong>" in response.content.decode()


def test_a_bad_preference_is_refused_keeping_what_was_typed(world):
    client = signed_in(world.client_lead)
    response = client.post(
        "/notifications/preferences/",
        {"time_zone": "Mars/Base", "delivery": "digest", "email_kinds": [Kind.ACTION_OVERDUE]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert re.search(r'<input[^>]*value="digest"[^>]*checked', page)
    assert re.search(r'<input[^>]*value="action_overdue"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="action_due_soon"[^>]*checked', page)
    assert not Preference.objects.filter(user=world.client_lead).exists()


def test_someone_outside_every_tenant_gets_no_centre(db):
    from tests import factories

    loner = factories.UserFactory()
    client = signed_in(loner)
    assert client.get("/notifications/").status_code == 403
    assert "badge" not in client.get("/notifications/bell/").content.decode()
    assert client.get("/notifications/preferences/").status_code == 403
