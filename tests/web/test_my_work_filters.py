"""My work that scales: filters in the URL, groups with their counts, pages, bad filters."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from engagements.services import start_transition
from milestones.models import Milestone
from registers.models import RaidItem
from registers.services import create_raid_item
from tests import factories
from tests.web.pages import table_rows, text_of
from tests.world import add_engagement, owners_for
from transition.portfolio import today_for
from transition.work import work_of

MY_WORK = "/my-work/"


def group_headers(response) -> list[str]:
    html = response.content.decode()
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r'<tr class="work-group">(.*?)</tr>', html, flags=re.S)
    ]


def every_row(client, query: str = "") -> list[dict[str, str]]:
    """The rows of every page, following the Next links."""
    rows, page = [], 1
    while True:
        response = client.get(f"{MY_WORK}?{query}&page={page}")
        assert response.status_code == 200
        rows += table_rows(response)
        if 'rel="next"' not in response.content.decode():
            return rows
        page += 1


@pytest.fixture
def busy(world):
    """The provider lead owns work on two running engagements, plus RAID items."""
    start_transition(actor=world.pmo, engagement=world.engagement)
    second = add_engagement(world, name="Second desk")
    start_transition(actor=world.pmo, engagement=second)
    today = today_for(world.provider_lead)
    for number in range(6):
        create_raid_item(
            actor=world.pmo,
            engagement=second,
            kind="risk",
            title=f"Risk {number}",
            owner=world.provider_lead,
            due_date=today + datetime.timedelta(days=3 * number - 4),
            probability=2,
            impact=3,
        )
    world.second = second
    world.today = today
    return world


def test_the_defaults_group_by_engagement_with_counts_and_page(client, busy):
    items = work_of(actor=busy.provider_lead, today=busy.today)
    assert len(items) > 25  # enough for a second page
    client.force_login(busy.provider_lead)

    page = client.get(MY_WORK)

    assert page.status_code == 200
    rows = table_rows(page)
    assert len(rows) == 25
    headers = group_headers(page)
    first = sum(1 for item in items if item.engagement == busy.engagement)
    late = sum(1 for item in items if item.engagement == busy.engagement and item.overdue)
    assert headers[0] == f"Alpha care desk {first} items, {late} overdue"
    assert f"{len(items)} items" in text_of(page) and "Page 1 of 2" in text_of(page)
    # Every item once over the pages, in the order of the groups.
    everything = every_row(client)
    assert len(everything) == len(items)
    assert len({(row["What"], row["Engagement"]) for row in everything}) == len(items)
    names = [row["Engagement"] for row in everything]
    assert names == sorted(names)


def test_a_group_cut_by_the_page_says_it_continues(client, busy):
    client.force_login(busy.provider_lead)
    second = client.get(f"{MY_WORK}?page=2")
    assert second.status_code == 200
    assert any("(continued)" in header for header in group_headers(second))
    assert not any("(continued)" in header for header in group_headers(client.get(MY_WORK)))


def test_overdue_on_one_engagement(client, busy):
    client.force_login(busy.provider_lead)
    query = f"engagement={busy.second.public_id}&overdue=on"

    rows = every_row(client, query)

    expected = [
        item
        for item in work_of(actor=busy.provider_lead, today=busy.today)
        if item.engagement == busy.second and item.overdue
    ]
    assert rows and len(rows) == len(expected)
    assert {row["Engagement"] for row in rows} == {"Second desk"}
    assert all("Overdue" in row["Due"] for row in rows)
    page = client.get(f"{MY_WORK}?{query}")
    assert f"{len(expected)} items match these filters" in text_of(page)
    # The form shows what the URL chose, and the page links keep it.
    html = page.content.decode()
    assert f'<option value="{busy.second.public_id}" selected>' in html
    assert 'id="id_overdue" checked' in html
    if len(expected) > 25:
        assert f"engagement={busy.second.public_id}" in html.split('rel="next"')[1][:300]


def test_kind_side_and_due_window(client, busy):
    client.force_login(busy.provider_lead)
    today = busy.today

    risks = every_row(client, "kind=raid_item")
    assert [row["Type"] for row in risks] == ["Risk"] * 6

    provider = every_row(client, "side=provider&group=none")
    assert provider and {row["Type"] for row in provider} <= {"Milestone", "Attestation"}
    assert (
        len([row for row in provider if row["Type"] == "Milestone"])
        == Milestone.objects.filter(
            owner=busy.provider_lead, side="provider", status__in=Milestone.OPEN
        ).count()
    )

    soon = every_row(client, "due=next_2_weeks&group=week")
    assert soon
    for row in soon:
        due = datetime.datetime.strptime(row["Due"].split(" Overdue")[0], "%d %b %Y").date()
        assert today <= due <= today + datetime.timedelta(days=14)
    later = client.get(f"{MY_WORK}?kind=raid_item&due=later")
    assert table_rows(later) == []
    assert "Nothing matches these filters" in text_of(later)


def test_grouped_by_due_week(client, busy):
    client.force_login(busy.provider_lead)
    page = client.get(f"{MY_WORK}?kind=raid_item&group=week")
    headers = group_headers(page)
    assert headers and all(header.startswith("Week of ") for header in headers)
    items = RaidItem.objects.filter(owner=busy.provider_lead)
    weeks = {item.due_date - datetime.timedelta(days=item.due_date.weekday()) for item in items}
    assert len(headers) == len(weeks)
    counted = sum(int(re.search(r"(\d+) items?", header).group(1)) for header in headers)
    assert counted == 6


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("engagement=nope", "Engagement: Choose one of your open engagements"),
        (
            "engagement=6f1c1a52-5d43-4a8e-9f3e-0d5c4e1b2a77",
            "Engagement: Choose one of your open engagements",
        ),
        ("kind=ticket", "Kind: Choose a kind from the list: “ticket” is not one."),
        ("due=soon", "Due: Choose a due window from the list: “soon” is not one."),
        ("side=pmo", "Side: Choose client, provider or joint: not “pmo”."),
        ("group=colour", "Group by: Group by engagement, due week or nothing: not “colour”."),
        ("page=two", "Page: The page is a whole number from 1."),
        ("page=0", "Page: The page is a whole number from 1."),
        ("overdue=maybe", "Overdue only: Overdue only is on or off."),
        ("overdue=on&due=later", "Due: Overdue work was due before today"),
    ],
)
def test_bad_filters_say_what_is_wrong_and_list_nothing(client, busy, query, message):
    client.force_login(busy.provider_lead)

    page = client.get(f"{MY_WORK}?{query}")

    assert page.status_code == 400
    assert "These filters were not applied" in text_of(page)
    assert message in text_of(page)
    assert table_rows(page) == []
    # An htmx request gets the same message in the part of the page it swaps.
    swapped = client.get(f"{MY_WORK}?{query}", headers={"HX-Request": "true"})
    assert swapped.status_code == 400 and message in text_of(swapped)
    assert "<h1" not in swapped.content.decode()


def test_a_page_past_the_end_shows_the_last_one_and_says_so(client, busy):
    client.force_login(busy.provider_lead)
    page = client.get(f"{MY_WORK}?page=9")
    assert page.status_code == 200
    assert "There is no page 9 any more: this is page 2, the last." in text_of(page)
    assert table_rows(page)


def test_a_competing_providers_work_never_shows_nor_counts(client, busy, other_world):
    rival = factories.UserFactory(username="rival-lead")
    Membership.objects.create(user=rival, tenant=busy.tenant, role="member")
    people = {**busy.__dict__, "provider_lead": rival, "provider_staff": rival}
    rival_desk = add_engagement(
        busy, name="Rival desk", owners=owners_for("contact-centre-90-day", people)
    )
    start_transition(actor=busy.pmo, engagement=rival_desk)
    create_raid_item(
        actor=busy.pmo,
        engagement=rival_desk,
        kind="issue",
        title="Rival staffing gap",
        owner=rival,
        due_date=busy.today,
    )
    mine = work_of(actor=busy.provider_lead, today=busy.today)
    client.force_login(busy.provider_lead)

    page = client.get(MY_WORK)
    rows = every_row(client)

    assert "Rival" not in page.content.decode()
    assert {row["Engagement"] for row in rows} == {"Alpha care desk", "Second desk"}
    assert f"{len(mine)} items" in text_of(page)
    # Naming the rival's engagement (or another tenant's) reads like naming none at all.
    for foreign in (rival_desk, other_world.engagement):
        refused = client.get(f"{MY_WORK}?engagement={foreign.public_id}")
        assert refused.status_code == 400
        assert "Choose one of your open engagements: this one is not among them." in text_of(
            refused
        )
        assert "Rival" not in refused.content.decode() and "Bravo" not in refused.content.decode()
    # The rival sees their own work only.
    client.force_login(rival)
    theirs = every_row(client)
    assert theirs and {row["Engagement"] for row in theirs} == {"Rival desk"}


def kinds_on(rows) -> set[str]:
    kinds = {"Milestone", "Attestation", "Corrective action"}
    return {row["Type"] if row["Type"] in kinds else "RAID item" for row in rows}


def queries_for(rows) -> int:
    """One per kind shown, and one for the bulk bar's owner choices when milestones show."""
    kinds = kinds_on(rows)
    return BASE_QUERIES + len(kinds) + ("Milestone" in kinds)


def test_a_page_costs_the_same_queries_whatever_the_number_of_items(
    client, busy, django_assert_num_queries
):
    """The session, the person, the tenant (twice), the engagements of the form, the counts
    and the page's keys; then one query per kind the page shows, and the bulk bar's owners
    when milestones show. Never per item."""
    client.force_login(busy.provider_lead)
    risks = f"{MY_WORK}?kind=raid_item&group=week"
    everything = f"{MY_WORK}?group=week&page=2"
    client.get(risks)
    with django_assert_num_queries(BASE_QUERIES + 1):
        assert len(table_rows(client.get(risks))) == 6
    with CaptureQueriesContext(connection) as few:
        rows = table_rows(client.get(everything))
    assert len(few) == queries_for(rows)
    third = add_engagement(busy, name="Third desk")
    start_transition(actor=busy.pmo, engagement=third)
    for number in range(40):
        create_raid_item(
            actor=busy.pmo,
            engagement=third,
            kind="action",
            title=f"Action {number}",
            owner=busy.provider_lead,
            due_date=busy.today + datetime.timedelta(days=number),
        )

    with django_assert_num_queries(BASE_QUERIES + 1):
        assert len(table_rows(client.get(risks))) == 25
    with CaptureQueriesContext(connection) as many:
        rows = table_rows(client.get(everything))
    assert len(rows) == 25
    assert len(many) == queries_for(rows)
    # Filtered to one engagement: one more, to read the engagement the URL names.
    with django_assert_num_queries(BASE_QUERIES + 2):
        assert len(table_rows(client.get(f"{risks}&engagement={third.public_id}"))) == 25


# The session, the person, the tenant (twice), the engagements of the form, the counts, the
# page's keys, and the bulk bar's offer to undo one's last bulk change.
BASE_QUERIES = 8


def test_each_row_says_where_e_edits_it(client, busy):
    client.force_login(busy.provider_lead)
    html = client.get(f"{MY_WORK}?kind=milestone").content.decode()
    milestone = Milestone.objects.filter(
        owner=busy.provider_lead, engagement=busy.engagement, status__in=Milestone.OPEN
    ).first()
    base = f"/engagements/{busy.engagement.public_id}/milestones/{milestone.public_id}"
    assert f'data-row data-row-edit="{base}/edit/"' in html
    page = client.get(f"/engagements/{busy.engagement.public_id}/").content.decode()
    assert f'data-row data-row-edit="{base}/edit/"' in page
    assert 'src="/static/js/row-keys.js"' in page or "row-keys" in page
    assert '<dialog id="keyboard-help"' in page and '<dialog id="keyboard-help"' in html
