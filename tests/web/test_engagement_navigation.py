"""One product: every page about an engagement carries the same tabs, the plan links to each
milestone and gate, and my work links to where the work is done."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from engagements.models import EngagementMember
from engagements.services import add_member, start_transition
from governance.models import Gate
from milestones.models import Milestone
from registers.models import RaidItem
from registers.services import create_raid_item
from reporting.measurements import record_measurement
from reporting.models import Kpi, Review, ReviewKpiResult
from reporting.reviews import explain_miss, refresh_review
from tests.tabs import expected_tabs
from tests.world import pass_gate


@pytest.fixture
def running(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    return world


def tabs_of(response) -> list[tuple[str, str, str | None]]:
    """(label, href, aria-current) of each engagement tab on the page."""
    html = response.content.decode()
    nav = re.search(r'<nav class="engagement-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "the page has no engagement tabs"
    links = re.findall(
        r'<a class="nav-link[^"]*"(?: aria-current="([^"]+)")? href="([^"]+)">([^<]+)</a>',
        nav.group(1),
    )
    return [(label, href, current or None) for current, href, label in links]


def engagement_pages(world) -> dict[str, tuple[str, str]]:
    """Each engagement-scoped page: (its URL, the tab it belongs to)."""
    engagement = world.engagement.public_id
    milestone = Milestone.objects.filter(engagement=world.engagement).first()
    gate = Gate.objects.get(engagement=world.engagement, phase__kind="kickoff")
    review = Review.objects.get(engagement=world.engagement, day=14)
    kpi = Kpi.objects.filter(engagement=world.engagement).first()
    item = RaidItem.objects.filter(engagement=world.engagement).first() or create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind="risk",
        title="Agents not certified before go-live",
        owner=world.provider_lead,
        due_date=datetime.date(2026, 3, 1),
        probability=3,
        impact=4,
    )
    base = f"/engagements/{engagement}"
    return {
        "plan": (f"{base}/", "Plan"),
        "milestone": (f"{base}/milestones/{milestone.public_id}/", "Plan"),
        "milestone edit": (f"{base}/milestones/{milestone.public_id}/edit/", "Plan"),
        "add milestone": (f"{base}/milestones/phases/{milestone.phase.public_id}/new/", "Plan"),
        "gates": (f"{base}/gates/", "Gates"),
        "gate": (f"{base}/gates/{gate.public_id}/", "Gates"),
        "reviews": (f"{base}/reviews/", "Reviews"),
        "review": (f"{base}/reviews/{review.public_id}/", "Reviews"),
        "kpis": (f"{base}/kpis/", "KPIs"),
        "kpi": (f"{base}/kpis/{kpi.public_id}/", "KPIs"),
        "kpi upload": (f"{base}/kpis/upload/", "KPIs"),
        "raid": (f"{base}/raid/", "RAID"),
        "raid item": (f"{base}/raid/{item.public_id}/", "RAID"),
        "new raid item": (f"{base}/raid/new/?kind=issue", "RAID"),
        "escalation": (f"{base}/raid/escalation/", "RAID"),
        "roster": (f"{base}/roster/", "Roster"),
        "access batches": (f"{base}/roster/batches/", "Roster"),
        "add a wave": (f"{base}/roster/waves/new/", "Roster"),
        "add a person": (f"{base}/roster/people/new/", "Roster"),
        "baselines": (f"{base}/baselines/", "Baselines"),
        "admin": (f"{base}/admin/", "Administer"),
    }


def test_every_engagement_page_carries_the_tabs_with_its_own_marked(client, running):
    client.force_login(running.pmo)
    base = f"/engagements/{running.engagement.public_id}"

    for name, (url, active) in engagement_pages(running).items():
        response = client.get(url)
        assert response.status_code == 200, name
        tabs = tabs_of(response)
        labels = [label for label, _href, _current in tabs]
        assert labels == expected_tabs(running.engagement, may_manage=True), name
        hrefs = {label: href for label, href, _current in tabs}
        assert (hrefs["Plan"], hrefs["Gates"], hrefs["Reviews"], hrefs["Administer"]) == (
            f"{base}/",
            f"{base}/gates/",
            f"{base}/reviews/",
            f"{base}/admin/",
        )
        current = [(label, how) for label, _href, how in tabs if how]
        own_page = url in {href for _label, href, _current in tabs}
        assert current == [(active, "page" if own_page else "true")], name


def test_every_engagement_page_has_its_breadcrumb_start_at_the_portfolio(client, running):
    client.force_login(running.pmo)

    for name, (url, _active) in engagement_pages(running).items():
        html = client.get(url).content.decode()
        trail = re.search(r'<nav aria-label="Breadcrumb">(.*?)</nav>', html, re.S)
        assert trail, name
        crumbs = re.findall(
            r'<li class="breadcrumb-item[^"]*"[^>]*>(?:<a [^>]+>)?([^<]+)<', trail.group(1)
        )
        assert crumbs[:2] == ["Portfolio", running.engagement.name], name


@pytest.mark.urls("tests.web.urls_with_an_area")
def test_an_area_installed_later_gets_its_tab_on_every_engagement_page(client, running):
    from django.urls import reverse

    kpis_url = reverse("kpis:list", args=[running.engagement.public_id])
    client.force_login(running.pmo)

    for name, (url, _active) in engagement_pages(running).items():
        tabs = tabs_of(client.get(url))
        assert ("KPIs", kpis_url) in [(label, href) for label, href, _current in tabs], name
        assert [label for label, _href, _current in tabs][:4] == [
            "Plan",
            "Gates",
            "Reviews",
            "KPIs",
        ]


def test_administer_is_a_tab_only_for_those_who_may_administer(client, running):
    client.force_login(running.provider_lead)

    for name, (url, _active) in engagement_pages(running).items():
        if name in {"admin"}:
            continue
        labels = [label for label, _href, _current in tabs_of(client.get(url))]
        assert labels == expected_tabs(running.engagement, may_manage=False), name


def test_milestone_rows_link_to_their_page_and_gates_to_theirs(client, running):
    client.force_login(running.provider_lead)
    base = f"/engagements/{running.engagement.public_id}"

    html = client.get(f"{base}/").content.decode()

    for milestone in Milestone.objects.filter(engagement=running.engagement):
        assert f'<tr id="milestone-{milestone.public_id}" class="milestone-row"' in html, (
            milestone.title
        )
        assert (
            f'<a class="milestone-title" href="{base}/milestones/{milestone.public_id}/">'
            f"{milestone.title}</a>" in html
        )
    for gate in Gate.objects.filter(engagement=running.engagement):
        # The phase's heading and the timeline's diamond both lead to the gate.
        assert html.count(f'href="{base}/gates/{gate.public_id}/"') == 2, gate.name


def test_add_milestone_is_offered_on_open_phases_to_those_who_may_edit(client, running):
    pass_gate(running, "kickoff")
    base = f"/engagements/{running.engagement.public_id}"
    phases = {phase.kind: phase for phase in running.engagement.phases.all()}
    client.force_login(running.client_lead)

    html = client.get(f"{base}/").content.decode()

    offered = re.findall(rf'href="{base}/milestones/phases/([0-9a-f-]+)/new/"', html)
    assert sorted(offered) == sorted(
        str(phase.public_id) for kind, phase in phases.items() if kind != "kickoff"
    )
    assert 'Add milestone<span class="visually-hidden"> to Transition</span>' in html

    viewer = EngagementMember.Role.VIEWER
    reader = running.bystander
    add_member(
        actor=running.pmo, engagement=running.engagement, user=reader, side="client", role=viewer
    )
    client.force_login(reader)
    assert "/new/" not in client.get(f"{base}/").content.decode()


def test_my_work_links_each_item_where_it_is_done(client, running):
    base = f"/engagements/{running.engagement.public_id}"
    review = Review.objects.get(engagement=running.engagement, day=14)
    contact = Kpi.objects.get(engagement=running.engagement, key="contact-rate")
    record_measurement(
        actor=running.pmo, kpi=contact, measured_on=review.scheduled_on, value=Decimal("1")
    )
    refresh_review(actor=running.pmo, review=review)
    result = ReviewKpiResult.objects.get(review=review, outcome="missed")
    explain_miss(
        actor=running.pmo,
        result=result,
        root_cause="Dialer misrouted calls",
        corrective_action="Re-route the overflow queue",
        action_owner=running.provider_lead,
        action_due=datetime.date(2026, 3, 1),
    )
    owned = Milestone.objects.filter(owner=running.provider_lead, status="not_started").first()
    gate = Gate.objects.get(engagement=running.engagement, phase__kind="kickoff")
    client.force_login(running.provider_lead)

    html = client.get("/my-work/").content.decode()

    item_link = r'<a class="fw-semibold(?: d-block)?" href="([^"]+)">([^<]+)</a>'
    links = {title: href for href, title in re.findall(item_link, html)}
    assert links[owned.title] == f"{base}/milestones/{owned.public_id}/"
    assert links["Re-route the overflow queue"] == (
        f"{base}/reviews/{review.public_id}/#miss-{result.public_id}"
    )
    assert links["Attest “Kickoff gate”"] == f"{base}/gates/{gate.public_id}/#attest-provider"


def test_the_milestone_page_leads_to_its_row_on_the_plan_while_it_can_change(client, running):
    base = f"/engagements/{running.engagement.public_id}"
    kickoff = Milestone.objects.filter(phase__kind="kickoff").first()
    later = Milestone.objects.filter(phase__kind="transition").first()
    to_row = "Write its evidence on the plan"
    client.force_login(running.provider_lead)

    html = client.get(f"{base}/milestones/{kickoff.public_id}/").content.decode()
    assert f'href="{base}/#milestone-{kickoff.public_id}">{to_row}</a>' in html
    assert "Change status" in html  # the status changes on the milestone's own page

    pass_gate(running, "kickoff")  # an approved gate freezes its phase
    frozen = client.get(f"{base}/milestones/{kickoff.public_id}/").content.decode()
    assert to_row not in frozen and "Change status" not in frozen
    assert to_row in client.get(f"{base}/milestones/{later.public_id}/").content.decode()

    add_member(
        actor=running.pmo,
        engagement=running.engagement,
        user=running.bystander,
        side="client",
        role=EngagementMember.Role.VIEWER,
    )
    client.force_login(running.bystander)
    assert to_row not in client.get(f"{base}/milestones/{later.public_id}/").content.decode()
