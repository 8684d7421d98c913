"""The calendar link: made and regenerated on a page, fetched with no session by calendar
clients, holding exactly the person's dates in one tenant."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from accounts.models import Membership
from audit.models import Event
from engagements.services import add_member
from exports.models import CalendarFeed
from exports.services import regenerate_calendar_feed
from governance.models import Gate
from kernel.tenancy import get_active_tenant_id, tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, update_milestone
from registers.services import create_raid_item
from reporting.models import Review
from transition.services import remove_membership

SITE = "http://127.0.0.1:8000"


def make_link(user, tenant) -> str:
    """The path of a new calendar link of ``user`` in ``tenant``."""
    token = regenerate_calendar_feed(actor=user, tenant=tenant).token
    return f"/calendar/{token}.ics"


def fetch(client, path):
    """As a calendar client does: no session, and no tenant around the request."""
    with tenant_context(None):
        assert get_active_tenant_id() is None
        response = client.get(path)
    return response


def events_of(response) -> dict[str, dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uids(objects) -> set[str]:
    return {f"{item.public_id}@bpo-transition" for item in objects}


def test_the_feed_holds_the_leads_milestones_gates_and_reviews(client, world):
    path = make_link(world.provider_lead, world.tenant)

    events = events_of(fetch(client, path))

    owned = Milestone.objects.filter(owner=world.provider_lead)
    gates = Gate.objects.filter(engagement=world.engagement)
    reviews = Review.objects.filter(engagement=world.engagement)
    assert owned.count() > 0 and gates.count() == 6 and reviews.count() == 5
    assert set(events) == uids(owned) | uids(gates) | uids(reviews)

    engagement_id = world.engagement.public_id
    for milestone in owned:
        event = events[f"{milestone.public_id}@bpo-transition"]
        assert str(event["SUMMARY"]) == f"Alpha care desk: {milestone.title}"
        assert event.decoded("DTSTART") == milestone.due_date  # a date: all day
        assert event.decoded("DTEND") == milestone.due_date + datetime.timedelta(days=1)
        assert str(event["URL"]) == (
            f"{SITE}/engagements/{engagement_id}/milestones/{milestone.public_id}/"
        )
        assert isinstance(event.decoded("DTSTAMP"), datetime.datetime)
        assert f"{SITE}/engagements/{engagement_id}/" in str(event["DESCRIPTION"])
        assert [str(c) for c in event["CATEGORIES"].cats] == ["Milestone"]
    gate = gates.select_related("phase").get(phase__kind="access")
    event = events[f"{gate.public_id}@bpo-transition"]
    assert str(event["SUMMARY"]) == "Alpha care desk: Access gate"
    assert event.decoded("DTSTART") == gate.phase.planned_end
    assert str(event["URL"]) == f"{SITE}/engagements/{engagement_id}/gates/{gate.public_id}/"
    review = reviews.get(day=30)
    event = events[f"{review.public_id}@bpo-transition"]
    assert str(event["SUMMARY"]) == "Alpha care desk: Day-30 review \N{EN DASH} 30-day baseline"
    assert event.decoded("DTSTART") == review.scheduled_on
    assert str(event["URL"]) == f"{SITE}/engagements/{engagement_id}/reviews/{review.public_id}/"


def test_the_feed_holds_the_raid_items_the_person_owns(client, world):
    from registers.services import close_raid_item

    def add(kind, title, owner, day):
        return create_raid_item(
            actor=world.pmo,
            engagement=world.engagement,
            kind=kind,
            title=title,
            owner=owner,
            due_date=datetime.date(2026, 2, day),
        )

    issue = add("issue", "Badge readers offline", world.provider_staff, 9)
    done = close_raid_item(
        actor=world.pmo, item=add("action", "Send the badge list", world.provider_staff, 3)
    )
    theirs = add("action", "Book the training room", world.client_staff, 4)

    events = events_of(fetch(client, make_link(world.provider_staff, world.tenant)))

    assert uids([issue, done]) <= set(events)
    assert f"{theirs.public_id}@bpo-transition" not in events
    event = events[f"{issue.public_id}@bpo-transition"]
    assert str(event["SUMMARY"]) == "Alpha care desk: Issue \N{EN DASH} Badge readers offline"
    assert event.decoded("DTSTART") == datetime.date(2026, 2, 9)
    assert str(event["URL"]) == (
        f"{SITE}/engagements/{world.engagement.public_id}/raid/{issue.public_id}/"
    )
    assert [str(c) for c in event["CATEGORIES"].cats] == ["RAID item"]
    assert "Status: Closed" in str(events[f"{done.public_id}@bpo-transition"]["DESCRIPTION"])


def test_a_member_who_is_not_a_lead_gets_no_reviews(client, world):
    events = events_of(fetch(client, make_link(world.provider_staff, world.tenant)))

    owned = Milestone.objects.filter(owner=world.provider_staff)
    gates = Gate.objects.filter(engagement=world.engagement)
    assert set(events) == uids(owned) | uids(gates)


def test_a_tenant_member_on_no_engagement_gets_an_empty_calendar(client, world):
    assert events_of(fetch(client, make_link(world.bystander, world.tenant))) == {}


def test_a_cancelled_milestone_says_so(client, world):
    milestone = Milestone.objects.filter(owner=world.client_lead).first()
    update_milestone(actor=world.pmo, milestone=milestone, status="cancelled")

    events = events_of(fetch(client, make_link(world.client_lead, world.tenant)))

    assert str(events[f"{milestone.public_id}@bpo-transition"]["STATUS"]) == "CANCELLED"


def test_nothing_of_an_engagement_the_person_is_not_on(client, world, rival):
    """The cross-engagement check of the route walk, for a secret link: the person's feed
    holds nothing of the rival engagement (its gates, reviews and milestones)."""
    for person in (world.provider_lead, world.client_lead):
        events = events_of(fetch(client, make_link(person, world.tenant)))
        rival_items = (
            uids(Gate.objects.filter(engagement=rival))
            | uids(Review.objects.filter(engagement=rival))
            | uids(Milestone.objects.filter(engagement=rival))
        )
        assert rival_items and not set(events) & rival_items
        assert b"Rival desk" not in fetch(client, make_link(person, world.tenant)).content


def test_a_person_in_two_tenants_gets_each_tenants_items_under_its_own_link(
    client, world, other_world
):
    """The same person leads in Bravo too; each link holds only its tenant's items, even when
    fetched by a browser signed in to the other tenant."""
    person = world.provider_lead
    with tenant_context(other_world.tenant):
        Membership.objects.create(user=person, tenant=other_world.tenant, role="member")
        add_member(
            actor=other_world.pmo,
            engagement=other_world.engagement,
            user=person,
            side="provider",
            role="lead",
        )
        bravo_milestone = create_milestone(
            actor=other_world.pmo,
            engagement=other_world.engagement,
            phase=other_world.engagement.phases.get(kind="access"),
            title="Bravo badge access",
            owner=person,
            side="provider",
            due_date=datetime.date(2026, 1, 20),
        )
        bravo_link = make_link(person, other_world.tenant)
        bravo_items = (
            uids(Gate.objects.filter(engagement=other_world.engagement))
            | uids(Review.objects.filter(engagement=other_world.engagement))
            | uids([bravo_milestone])
        )
    alpha_link = make_link(person, world.tenant)
    alpha_items = (
        uids(Gate.objects.filter(engagement=world.engagement))
        | uids(Review.objects.filter(engagement=world.engagement))
        | uids(Milestone.objects.filter(owner=person))
    )

    client.force_login(person)  # the browser's session chose a tenant of its own
    client.get("/")
    alpha = fetch(client, alpha_link)
    bravo = fetch(client, bravo_link)

    assert set(events_of(alpha)) == alpha_items
    assert set(events_of(bravo)) == bravo_items
    assert b"Bravo" not in alpha.content
    assert b"Alpha care desk" not in bravo.content


def test_a_new_link_ends_the_old_one(client, world):
    old = make_link(world.client_lead, world.tenant)
    assert fetch(client, old).status_code == 200

    new = make_link(world.client_lead, world.tenant)

    assert fetch(client, old).status_code == 404
    assert events_of(fetch(client, new))
    assert CalendarFeed.objects.filter(user=world.client_lead).count() == 1
    regenerated = Event.objects.filter(object_type="calendar_feed").order_by("id")
    assert [event.operation for event in regenerated] == ["calendar_feed.regenerated"] * 2
    assert "token_hash" not in str([(event.snapshot, event.changes) for event in regenerated])


def test_only_a_hash_of_the_token_is_stored(world):
    token = regenerate_calendar_feed(actor=world.client_lead, tenant=world.tenant).token
    stored = CalendarFeed.objects.get(user=world.client_lead).token_hash
    assert token not in stored and len(stored) == 64


def test_someone_who_left_the_tenant_gets_404_even_after_rejoining(client, world):
    path = make_link(world.bystander, world.tenant)
    membership = Membership.objects.get(user=world.bystander, tenant=world.tenant)

    remove_membership(actor=world.admin, membership=membership)

    assert fetch(client, path).status_code == 404
    Membership.objects.create(user=world.bystander, tenant=world.tenant, role="member")
    assert fetch(client, path).status_code == 404


def test_a_disabled_account_or_an_unknown_token_gets_404(client, world):
    path = make_link(world.client_staff, world.tenant)
    world.client_staff.is_active = False
    world.client_staff.save()

    assert fetch(client, path).status_code == 404
    assert fetch(client, "/calendar/not-a-real-token.ics").status_code == 404


def test_links_start_with_the_site_url(client, world, settings):
    settings.SITE_URL = "https://transitions.example.com/"
    events = events_of(fetch(client, make_link(world.pmo, world.tenant)))
    assert all(
        str(event["URL"]).startswith("https://transitions.example.com/engagements/")
        for event in events.values()
    )


def test_the_feed_costs_the_same_queries_for_three_times_the_items(client, world):
    path = make_link(world.provider_staff, world.tenant)
    phase = world.engagement.phases.get(kind="tooling")
    counts = []
    for extra in (10, 30):
        for number in range(extra):
            create_milestone(
                actor=world.pmo,
                engagement=world.engagement,
                phase=phase,
                title=f"Extra {extra}-{number}",
                owner=world.provider_staff,
                side="provider",
                due_date=datetime.date(2026, 2, 2),
            )
            create_raid_item(
                actor=world.pmo,
                engagement=world.engagement,
                kind="action",
                title=f"Action {extra}-{number}",
                owner=world.provider_staff,
                due_date=datetime.date(2026, 2, 2),
            )
        with CaptureQueriesContext(connection) as captured:
            assert fetch(client, path).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 8, counts


# --- The page -----------------------------------------------------------------------------------


def shown_link(response) -> str:
    found = re.search(r'id="calendar-link" type="text" value="([^"]+)"', response.content.decode())
    return found.group(1) if found else ""


def test_the_page_makes_a_link_and_shows_it_only_once(client, world):
    client.force_login(world.client_lead)

    first = client.get("/calendar/")
    assert first.status_code == 200
    assert b"You have no calendar link yet." in first.content
    assert b"Make my calendar link" in first.content

    made = client.post("/calendar/")
    link = shown_link(made)
    assert link.startswith(f"{SITE}/calendar/") and link.endswith(".ics")
    assert b"it is shown only this once" in made.content
    assert b'href="webcal://127.0.0.1:8000/calendar/' in made.content

    again = client.get("/calendar/")
    assert shown_link(again) == ""
    assert link.encode() not in again.content
    assert b"You made your calendar link on" in again.content
    assert b"Make a new link" in again.content
    assert events_of(fetch(client, link.removeprefix(SITE)))

    newer = shown_link(client.post("/calendar/"))
    assert newer != link
    assert fetch(client, link.removeprefix(SITE)).status_code == 404
    assert fetch(client, newer.removeprefix(SITE)).status_code == 200


def test_the_page_offers_my_exports_and_each_engagement_i_see(client, world, rival):
    client.force_login(world.client_lead)

    page = client.get("/calendar/").content.decode()

    for kind in ("my-milestones", "milestones-i-own"):
        assert f'href="/exports/{kind}.csv"' in page
        assert f'href="/exports/{kind}.xlsx"' in page
    assert f'href="/engagements/{world.engagement.public_id}/exports/"' in page
    assert "Rival desk" not in page
    assert 'aria-current="page" href="/calendar/">Calendar &amp; exports' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_in_no_tenant_is_told_so(client, method, db):
    from tests import factories

    client.force_login(factories.UserFactory())
    response = getattr(client, method)("/calendar/")
    assert response.status_code == 403
    assert not CalendarFeed._base_manager.exists()
