"""The portfolio (home page): what PMO watches across engagements."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.services import put_on_hold, start_transition
from milestones.models import Milestone
from tests.web.pages import bulk_engagements, table_rows, text_of
from tests.world import add_engagement, build_world, complete_milestone
from transition.portfolio import portfolio_rows, today_for


@pytest.fixture
def today(world):
    return today_for(world.pmo)


def row_named(response, name):
    matches = [row for row in table_rows(response) if row["Engagement"].startswith(name)]
    assert len(matches) == 1, f"{name} is not one row of {table_rows(response)}"
    return matches[0]


def test_each_engagement_shows_phase_gate_overdue_progress_day_and_health(client, world, today):
    # Alpha care desk was signed on 5 Jan 2026: by now all its early work is overdue.
    start_transition(actor=world.pmo, engagement=world.engagement)
    first = Milestone.objects.filter(engagement=world.engagement).order_by("due_date", "id")[0]
    complete_milestone(world, first)
    total = Milestone.objects.filter(engagement=world.engagement).count()
    overdue = (
        Milestone.objects.filter(engagement=world.engagement, due_date__lt=today)
        .exclude(status__in=Milestone.CLOSED)
        .count()
    )
    client.force_login(world.pmo)

    row = row_named(client.get("/"), "Alpha care desk")

    assert row["Engagement"] == (
        "Alpha care desk Alpha client · Alpha provider Administer Alpha care desk"
    )
    assert row["Status"] == "In transition"
    assert row["Current phase"] == "Kickoff"
    assert row["Next gate"] == "Kickoff gate 8 Jan 2026"
    assert row["Overdue"] == f"{overdue} overdue milestones"
    assert row["Progress"] == f"1/{total}"
    assert row["Day"] == f"Day {(today - datetime.date(2026, 1, 5)).days}"
    assert row["Health"].startswith("Red ")
    assert f"{overdue} milestones overdue." in row["Health"]
    assert "was planned for 8 Jan 2026" in row["Health"]


def test_a_fresh_engagement_is_green_and_counts_its_days_from_signature(client, world, today):
    add_engagement(world, name="Fresh desk")
    fresh = world.engagement.__class__.objects.get(name="Fresh desk")
    fresh.contract_signed_on = today
    fresh.save()
    Milestone.objects.filter(engagement=fresh).update(due_date=today + datetime.timedelta(days=3))
    from engagements.models import Phase

    Phase.objects.filter(engagement=fresh).update(planned_end=today + datetime.timedelta(days=5))
    client.force_login(world.pmo)

    row = row_named(client.get("/"), "Fresh desk")

    assert row["Health"] == "Green On track: nothing overdue."
    assert row["Day"] == "Day 0"
    assert row["Current phase"] == "Kickoff (not started)"
    assert row["Overdue"] == "0 overdue milestones"


def test_an_engagement_on_hold_says_so_in_its_health(client, world):
    put_on_hold(actor=world.pmo, engagement=world.engagement)
    client.force_login(world.pmo)

    row = row_named(client.get("/"), "Alpha care desk")

    assert row["Status"] == "On hold"
    assert "On hold: no gate can be decided until it resumes." in row["Health"]


def test_the_selector_counts_match_the_milestones_one_by_one(world, today):
    second = add_engagement(world, name="Second desk")
    for milestone in Milestone.objects.filter(engagement=second).order_by("due_date")[:3]:
        complete_milestone(world, milestone)
    last = Milestone.objects.filter(engagement=second).order_by("-due_date", "-id").first()
    Milestone.objects.filter(pk=last.pk).update(status="cancelled")

    rows = {row.name: row for row in portfolio_rows(actor=world.pmo, today=today)}

    for engagement in (world.engagement, second):
        milestones = list(Milestone.objects.filter(engagement=engagement))
        row = rows[engagement.name]
        assert row.total_milestones == sum(m.status != "cancelled" for m in milestones)
        assert row.done_milestones == sum(m.status == "done" for m in milestones)
        assert row.overdue_milestones == sum(m.is_open and m.due_date < today for m in milestones)
    assert rows["Second desk"].done_milestones == 3


def test_filters_by_status_and_phase_and_searches_client_provider_and_name(client, world, today):
    bulk_engagements(world, 3, today=today, prefix="Bulk")
    put_on_hold(actor=world.pmo, engagement=world.engagement)
    client.force_login(world.pmo)

    def names(query):
        return [row["Engagement"].split(" ")[0:3] for row in table_rows(client.get(f"/?{query}"))]

    on_hold = table_rows(client.get("/?status=on_hold"))
    assert [row["Engagement"].split(" Alpha client")[0] for row in on_hold] == ["Alpha care desk"]
    # The bulk engagements are in their kickoff; Alpha care desk has not started (kickoff too).
    assert len(table_rows(client.get("/?phase=kickoff"))) == 4
    assert table_rows(client.get("/?phase=access")) == []
    assert len(names("q=bulk")) == 3
    assert len(table_rows(client.get("/?q=Alpha+provider"))) == 1
    assert len(table_rows(client.get("/?q=client+1"))) == 1
    page = client.get("/?phase=access")
    assert "No engagement matches" in text_of(page)
    assert "Show every engagement" in text_of(page)


def test_sorts_by_the_chosen_column_and_pages_keep_the_filters(client, world, today):
    bulk_engagements(world, 30, today=today, prefix="Bulk")
    client.force_login(world.pmo)

    by_name = [row["Engagement"][:8] for row in table_rows(client.get("/?sort=-name"))]
    assert by_name[:2] == ["Bulk 029", "Bulk 028"]
    # Alpha care desk, months late, has the most overdue milestones.
    by_overdue = client.get("/?sort=-overdue&phase=kickoff")
    assert table_rows(by_overdue)[0]["Engagement"].startswith("Alpha care desk")
    # The choices stay chosen.
    html = by_overdue.content.decode()
    assert '<option value="-overdue" selected>Overdue milestones (descending)' in html
    assert '<option value="kickoff" selected>Kickoff' in html

    first = client.get("/?q=bulk&sort=name")
    assert len(table_rows(first)) == 25
    assert "Page 1 of 2" in text_of(first)
    assert 'href="?q=bulk&amp;sort=name&amp;page=2"' in first.content.decode()
    second = client.get("/?q=bulk&sort=name&page=2")
    assert [row["Engagement"][:8] for row in table_rows(second)] == [
        f"Bulk {number:03d}" for number in range(25, 30)
    ]


def test_an_htmx_request_gets_only_the_results(client, world):
    client.force_login(world.pmo)
    response = client.get("/?q=alpha", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="portfolio-results">')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]
    assert len(table_rows(response)) == 1


def test_a_new_tenant_sees_how_to_start(client, tenant_a, member_of):
    client.force_login(member_of(tenant_a, role="pmo"))
    page = client.get("/")
    assert page.status_code == 200
    assert "No engagements yet" in text_of(page)
    assert 'href="/engagements/new/"' in page.content.decode()
    assert "Filter engagements" not in page.content.decode()

    client.force_login(member_of(tenant_a, role="member"))
    page = client.get("/")
    assert "You are not on any engagement yet" in text_of(page)
    assert "/engagements/new/" not in page.content.decode()


def test_only_pmo_is_offered_the_administration_of_an_engagement(client, world):
    client.force_login(world.client_lead)
    row = row_named(client.get("/"), "Alpha care desk")
    assert "Administer" not in row["Engagement"]
    assert "/admin/" not in client.get("/").content.decode()

    client.force_login(world.pmo)
    assert "Administer" in row_named(client.get("/"), "Alpha care desk")["Engagement"]


def test_the_page_costs_the_same_queries_with_10_or_200_engagements(db, client):
    world = build_world("Alpha")
    today = today_for(world.pmo)
    bulk_engagements(world, 9, today=today, prefix="First")
    client.force_login(world.pmo)
    client.get("/")  # warm the session

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/?sort=-overdue")
        assert response.status_code == 200
        return len(queries), response

    with_ten, page = measure()
    assert page.context["page"].paginator.count == 10
    bulk_engagements(world, 190, today=today, prefix="More")
    with_two_hundred, page = measure()
    assert page.context["page"].paginator.count == 200
    assert len(table_rows(page)) == 25
    assert with_two_hundred == with_ten
    assert with_two_hundred <= 10  # 7, and three for the go-live forecast column (issue 19)


def test_another_tenants_engagements_are_never_listed_or_counted(client, world, other_world):
    client.force_login(world.pmo)
    page = client.get("/")
    assert "Bravo" not in text_of(page)
    assert page.context["page"].paginator.count == 1
    assert "Bravo care desk" not in client.get("/?q=bravo").content.decode()
