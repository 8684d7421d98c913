"""The engagement page: header, phase timeline, milestones by phase, filters, inline changes."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from engagements.models import EngagementMember, Phase
from engagements.services import add_member, start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.world import build_world, pass_gate
from transition.services import reschedule_phase

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def live_world(db):
    """A contact-centre engagement signed two days ago, in transition (kickoff active)."""
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=2))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        yield world


def page_url(world) -> str:
    return f"/engagements/{world.engagement.public_id}/"


def milestone(title: str) -> Milestone:
    return Milestone.objects.get(title=title)


def action_url(world, item: Milestone, action: str) -> str:
    return f"/engagements/{world.engagement.public_id}/milestones/{item.public_id}/{action}/"


def row_of(content: bytes, item: Milestone) -> str:
    html = content.decode()
    start = html.index(f'<tr id="milestone-{item.public_id}"')
    return html[start : html.index("</tr>", start)]


def phase_headings(content: bytes) -> list[str]:
    return re.findall(r'<h3 id="phase-[a-z_]+"[^>]*>([^<]+)<', content.decode())


def shown_titles(content: bytes) -> list[str]:
    return re.findall(r'<a class="milestone-title" href="[^"]+">([^<]+)</a>', content.decode())


# --- What the page shows ------------------------------------------------------------------


def test_header_says_who_where_and_which_day(client, live_world):
    client.force_login(live_world.provider_lead)

    response = client.get(page_url(live_world))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha client" in html and "Alpha provider" in html
    assert 'status-in_transition">In transition</span>' in html
    assert "Day 2" in html
    go_live = live_world.engagement.target_go_live
    assert f"{go_live.day} {go_live:%b %Y}" in html
    assert "Portfolio" in html  # breadcrumb back


def test_the_timeline_draws_every_phase_with_planned_and_actual_bars_and_gates(client, live_world):
    client.force_login(live_world.pmo)

    html = client.get(page_url(live_world)).content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="tl-planned"') == 6
    assert svg.count('class="tl-actual') == 1  # only kickoff has started
    assert svg.count('class="tl-gate') == 6
    assert 'class="tl-today"' in svg and "Today, day 2" in svg
    assert "No gate is late." in svg
    assert "tl-gate-late" not in svg


def test_a_slipped_gate_is_late_in_colour_and_in_words(client, live_world):
    kickoff = Phase.objects.get(kind="kickoff")
    first_end = kickoff.planned_end
    reschedule_phase(
        actor=live_world.pmo,
        phase=kickoff,
        planned_end=first_end + datetime.timedelta(days=5),
        reason="Client sign-off delayed",
    )
    client.force_login(live_world.client_lead)

    html = client.get(page_url(live_world)).content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "⚠ Gate slipped 5 days" in svg
    assert 'class="tl-gate tl-gate-late"' in svg
    assert 'class="tl-gate-baseline"' in svg  # where it was first planned
    assert f"first planned for {first_end.day} {first_end:%b}" in svg
    # The later phases moved with it, visibly too; the list under the chart says it in words.
    assert "Late gates:" in html
    assert html.count("slipped 5 days") >= 6


def test_an_overdue_gate_and_a_gate_approved_late_say_so(client, db):
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=30))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        pass_gate(world, "kickoff")
        client.force_login(world.pmo)
        html = client.get(page_url(world)).content.decode()
        kickoff_end = Phase.objects.get(kind="kickoff").planned_end

    late_by = (timezone.localdate() - kickoff_end).days
    assert f"Gate approved {late_by} days late" in html
    assert "tl-gate tl-gate-approved tl-gate-late" in html
    assert re.search(r"Gate overdue \d+ days", html)


def test_a_plan_long_past_says_where_today_is(client, world):
    client.force_login(world.pmo)

    html = client.get(page_url(world)).content.decode()

    day = (timezone.localdate() - world.engagement.contract_signed_on).days
    assert f"Today, day {day}, after this plan →" in html
    assert "Gate overdue" in html


def test_the_active_phase_comes_first_then_the_others_in_order(client, live_world):
    pass_gate(live_world, "kickoff")
    client.force_login(live_world.provider_lead)

    headings = phase_headings(client.get(page_url(live_world)).content)

    assert [h.split(". ")[1].strip() for h in headings] == [
        "Transition",
        "Kickoff",
        "Access",
        "Tooling",
        "Controlled go-live",
        "Stabilisation",
    ]


def test_rows_show_owner_side_due_status_and_evidence(client, live_world):
    session = milestone("Working kickoff session")
    update_milestone(
        actor=live_world.pmo, milestone=session, status="done", evidence="Minutes shared"
    )
    client.force_login(live_world.provider_lead)

    content = client.get(page_url(live_world)).content

    row = row_of(content, session)
    assert str(session.owner) in row
    assert "Joint" in row
    assert f'datetime="{session.due_date:%Y-%m-%d}"' in row
    assert 'status-done">Done</span>' in row
    assert "Minutes shared" in row
    brief = milestone("Campaign brief signed by both sides")
    assert "Needs evidence" in row_of(content, brief)


def test_rows_of_a_phase_whose_gate_was_approved_have_no_forms(client, live_world):
    pass_gate(live_world, "kickoff")
    client.force_login(live_world.provider_lead)

    content = client.get(page_url(live_world)).content

    assert "<form" not in row_of(content, milestone("Working kickoff session"))
    assert "<form" in row_of(content, milestone("Qualifying rules agreed"))


def test_a_viewer_reads_the_plan_without_forms(client, live_world, member_of):
    viewer = member_of(live_world.tenant)
    add_member(
        actor=live_world.pmo,
        engagement=live_world.engagement,
        user=viewer,
        side="client",
        role=EngagementMember.Role.VIEWER,
    )
    client.force_login(viewer)

    content = client.get(page_url(live_world)).content

    assert b"Working kickoff session" in content
    assert b'name="status" class="form-select' not in content
    assert b"only members who are not viewers change it" in content


def test_an_engagement_of_another_tenant_or_outside_ones_seats_is_404(client, live_world):
    other = build_world("Bravo")
    client.force_login(live_world.provider_lead)
    assert client.get(page_url(other)).status_code == 404
    client.force_login(live_world.bystander)
    assert client.get(page_url(live_world)).status_code == 404


# --- Filters --------------------------------------------------------------------------------


def test_filters_narrow_the_list_and_the_url_carries_them(client, live_world):
    client.force_login(live_world.provider_lead)
    everything = shown_titles(client.get(page_url(live_world)).content)
    assert len(everything) == Milestone.objects.count()

    mine = shown_titles(client.get(page_url(live_world) + "?mine=on").content)
    assert mine == list(
        Milestone.objects.filter(owner=live_world.provider_lead)
        .order_by("phase__position", "due_date", "id")
        .values_list("title", flat=True)
    )
    assert mine and len(mine) < len(everything)

    by_owner = client.get(page_url(live_world), {"owner": live_world.client_lead.public_id})
    assert set(shown_titles(by_owner.content)) == set(
        Milestone.objects.filter(owner=live_world.client_lead).values_list("title", flat=True)
    )

    client_side = shown_titles(client.get(page_url(live_world) + "?side=client").content)
    assert set(client_side) == set(
        Milestone.objects.filter(side="client").values_list("title", flat=True)
    )
    # The filter form says what is chosen, so the shared URL shows the same page.
    assert (
        b'<option value="client" selected>'
        in client.get(page_url(live_world) + "?side=client").content
    )


def test_status_and_overdue_filters(client, live_world):
    session = milestone("Working kickoff session")
    update_milestone(actor=live_world.pmo, milestone=session, status="done", evidence="Minutes")
    Milestone.objects.filter(title="Campaign rules defined").update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(live_world.pmo)

    done = shown_titles(client.get(page_url(live_world) + "?status=done").content)
    open_ones = shown_titles(client.get(page_url(live_world) + "?status=open").content)
    overdue = shown_titles(client.get(page_url(live_world) + "?overdue=on").content)

    assert done == ["Working kickoff session"]
    assert "Working kickoff session" not in open_ones
    assert len(open_ones) == Milestone.objects.count() - 1
    assert "Campaign rules defined" in overdue
    assert "Working kickoff session" not in overdue
    assert all(
        m.due_date < timezone.localdate() and m.is_open
        for m in Milestone.objects.filter(title__in=overdue)
    )


def test_a_filter_with_no_match_says_so(client, live_world):
    client.force_login(live_world.pmo)

    response = client.get(page_url(live_world) + "?status=cancelled")

    assert shown_titles(response.content) == []
    assert b"No milestone matches these filters." in response.content
    assert b"0 of 37 milestones match these filters." in response.content


def test_an_htmx_filter_request_gets_only_the_list(client, live_world):
    client.force_login(live_world.provider_lead)

    response = client.get(page_url(live_world) + "?side=provider", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="milestone-list" data-filtering="true">')
    assert "<html" not in html and "<svg" not in html
    assert set(shown_titles(response.content)) == set(
        Milestone.objects.filter(side="provider").values_list("title", flat=True)
    )
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, live_world):
    client.force_login(live_world.provider_lead)

    response = client.get(
        page_url(live_world) + "?side=provider", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )

    assert b"<html" in response.content


def test_an_unknown_owner_in_the_url_is_a_field_error_not_a_crash(client, live_world):
    client.force_login(live_world.pmo)

    response = client.get(page_url(live_world) + "?owner=not-a-person")

    assert response.status_code == 200


# --- Inline status and evidence ---------------------------------------------------------------


def post_status(client, world, item, status, *, version=None, htmx=True):
    data = {"status": status, "version": version or item.version}
    return client.post(action_url(world, item, "status"), data, **(HTMX if htmx else {}))


def post_evidence(client, world, item, *, evidence="", link="", done=False, version=None):
    data = {"evidence": evidence, "evidence_link": link, "version": version or item.version}
    if done:
        data["mark_done"] = "on"
    return client.post(action_url(world, item, "evidence"), data, **HTMX)


def test_the_provider_lead_changes_a_status_in_place(client, live_world):
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)

    response = post_status(client, live_world, session, "in_progress")

    assert response.status_code == 200
    row = row_of(response.content, session)
    assert 'status-in_progress">In progress</span>' in row
    assert 'name="version" value="2"' in row
    assert "Saved “Working kickoff session”: in progress." in response.content.decode()
    assert 'hx-swap-oob="innerHTML"' in response.content.decode()
    session.refresh_from_db()
    assert (session.status, session.version) == ("in_progress", 2)


def test_evidence_and_completion_in_one_step(client, live_world):
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)

    response = post_evidence(
        client,
        live_world,
        session,
        evidence="Minutes signed by both sides",
        link="https://files.example.com/kickoff-minutes",
        done=True,
    )

    assert response.status_code == 200
    row = row_of(response.content, session)
    assert 'status-done">Done</span>' in row
    assert "Minutes signed by both sides" in row
    session.refresh_from_db()
    assert session.status == "done"
    assert session.evidence_link == "https://files.example.com/kickoff-minutes"
    assert session.completed_by == live_world.provider_lead


def test_completing_without_the_required_evidence_is_refused_in_place(client, live_world):
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)

    response = post_status(client, live_world, session, "done")

    assert response.status_code == 400
    row = row_of(response.content, session)
    assert "“Working kickoff session” needs evidence before it can be done." in row
    assert 'role="alert"' in row
    assert '<option value="done" selected>' in row  # what the person chose stays
    assert '<details class="row-editor" open>' in row
    session.refresh_from_db()
    assert (session.status, session.version) == ("not_started", 1)


def test_an_open_dependency_refuses_completion_and_keeps_the_typed_evidence(client, live_world):
    rules = milestone("Campaign rules defined")
    client.force_login(live_world.client_lead)

    response = post_evidence(client, live_world, rules, evidence="Rules v2 in the brief", done=True)

    assert response.status_code == 409
    row = row_of(response.content, rules)
    assert "cannot be done before its dependencies: Working kickoff session (not started)" in row
    assert ">Rules v2 in the brief</textarea>" in row
    rules.refresh_from_db()
    assert (rules.status, rules.evidence, rules.version) == ("not_started", "", 1)


def test_a_milestone_of_an_approved_gate_cannot_change(client, live_world):
    session = milestone("Working kickoff session")
    version = session.version
    # The page was loaded before PMO approved the gate; the person still posts.
    pass_gate(live_world, "kickoff")
    session.refresh_from_db()
    client.force_login(live_world.provider_lead)

    response = post_status(client, live_world, session, "in_progress", version=session.version)

    assert response.status_code == 409
    assert "cannot be reopened: the Kickoff gate was approved." in response.content.decode()
    session.refresh_from_db()
    assert session.status == "done" and session.version > version


def test_a_stale_edit_is_refused_with_who_changed_it_and_the_current_values(client, live_world):
    session = milestone("Working kickoff session")
    seen_version = session.version
    update_milestone(actor=live_world.client_lead, milestone=session, status="in_progress")
    update_milestone(actor=live_world.pmo, milestone=session, evidence="Agenda sent")
    client.force_login(live_world.provider_lead)

    response = post_status(client, live_world, session, "blocked", version=seen_version)

    assert response.status_code == 409
    row = row_of(response.content, session)
    assert "was changed by someone else" in row
    assert f"Changed by {live_world.client_lead}" in row
    assert "status Not started → In progress" in row
    assert f"Changed by {live_world.pmo}" in row and "evidence empty → “Agenda sent”" in row
    assert 'status-in_progress">In progress</span>' in row  # the current values
    assert "Agenda sent" in row
    assert '<option value="blocked" selected>' in row  # what the person chose, kept
    assert 'name="version" value="3"' in row
    session.refresh_from_db()
    assert (session.status, session.version) == ("in_progress", 3)


def test_bad_input_is_a_field_error_with_the_typed_values_kept(client, live_world):
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)

    bad_link = post_evidence(client, live_world, session, evidence="Minutes", link="not a link")
    bad_status = post_status(client, live_world, session, "finished")

    assert bad_link.status_code == 400
    row = row_of(bad_link.content, session)
    assert "Enter a valid URL." in row
    assert 'value="not a link"' in row and ">Minutes</textarea>" in row
    assert bad_status.status_code == 400
    assert "Select a valid choice." in bad_status.content.decode()
    session.refresh_from_db()
    assert (session.evidence, session.version) == ("", 1)


def test_a_viewer_posting_anyway_is_refused_and_nothing_changes(client, live_world, member_of):
    viewer = member_of(live_world.tenant)
    add_member(
        actor=live_world.pmo,
        engagement=live_world.engagement,
        user=viewer,
        side="client",
        role=EngagementMember.Role.VIEWER,
    )
    session = milestone("Working kickoff session")
    client.force_login(viewer)

    response = post_status(client, live_world, session, "in_progress")

    assert response.status_code == 403
    session.refresh_from_db()
    assert (session.status, session.version) == ("not_started", 1)


def test_a_milestone_under_another_engagement_url_is_404(client, live_world):
    from tests.world import add_engagement

    other = add_engagement(live_world, name="Second desk")
    foreign = Milestone.objects.filter(engagement=other).first()
    client.force_login(live_world.pmo)

    url = f"/engagements/{live_world.engagement.public_id}/milestones/{foreign.public_id}/status/"
    response = client.post(url, {"status": "in_progress", "version": 1}, **HTMX)

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "not_started"


def test_without_javascript_a_change_redirects_and_a_refusal_is_a_page(client, live_world):
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)

    refused = post_status(client, live_world, session, "done", htmx=False)
    saved = post_status(client, live_world, session, "in_progress", htmx=False)

    assert refused.status_code == 400
    assert b"<html" in refused.content
    assert "needs evidence before it can be done" in refused.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == f"{page_url(live_world)}#milestone-{session.public_id}"
    followed = client.get(saved["Location"])
    assert "Saved “Working kickoff session”: in progress." in followed.content.decode()


def test_a_get_on_an_action_url_is_not_allowed(client, live_world):
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)

    assert client.get(action_url(live_world, session, "status")).status_code == 405


# --- Query counts -----------------------------------------------------------------------------


def add_milestones(world, count: int) -> None:
    """Bulk rows in every phase, owned by each seated person in turn."""
    phases = list(Phase.objects.order_by("position"))
    owners = [world.pmo, world.client_lead, world.provider_lead, world.provider_staff]
    day0 = world.engagement.contract_signed_on
    Milestone.objects.bulk_create(
        [
            Milestone(
                tenant=world.tenant,
                engagement=world.engagement,
                phase=phases[number % len(phases)],
                title=f"Extra step {number}",
                owner=owners[number % len(owners)],
                side=("client", "provider", "joint")[number % 3],
                due_date=day0 + datetime.timedelta(days=number % 60),
                evidence="Signed" if number % 5 == 0 else "",
                evidence_required=number % 2 == 0,
                status=("not_started", "in_progress", "done")[number % 3],
            )
            for number in range(count)
        ]
    )


def queries_for(client, url, django_assert_max_num_queries, limit, **headers):
    client.get(url, **headers)  # the first request after signing in writes the session
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured.captured_queries), response


# One more than before issue 10: the header's health is one portfolio row (one query).
# Issue 19: one for the latest baseline with its phases and its milestones (the audit trail's
# first gate dates are no longer read when a baseline exists); two for the go-live forecast,
# which reads the milestones and their dependencies. Issue 20: one for the bulk bar's owner
# choices (the engagement's people) and one for its offer to undo one's last bulk change.
MAX_PAGE_QUERIES = 16


def test_the_page_takes_the_same_queries_for_100_and_300_milestones(
    client, live_world, django_assert_max_num_queries
):
    client.force_login(live_world.provider_lead)
    add_milestones(live_world, 100 - Milestone.objects.count())
    url = page_url(live_world)
    small, _ = queries_for(client, url, django_assert_max_num_queries, MAX_PAGE_QUERIES)

    add_milestones(live_world, 200)
    large, response = queries_for(client, url, django_assert_max_num_queries, MAX_PAGE_QUERIES)

    assert Milestone.objects.count() == 300
    assert len(shown_titles(response.content)) == 300
    assert large == small


def test_a_filtered_fragment_takes_the_same_queries_for_100_and_300_milestones(
    client, live_world, django_assert_max_num_queries
):
    client.force_login(live_world.provider_lead)
    add_milestones(live_world, 100 - Milestone.objects.count())
    url = page_url(live_world) + f"?status=open&owner={live_world.provider_lead.public_id}"
    small, _ = queries_for(client, url, django_assert_max_num_queries, MAX_PAGE_QUERIES, **HTMX)

    add_milestones(live_world, 200)
    large, _ = queries_for(client, url, django_assert_max_num_queries, MAX_PAGE_QUERIES, **HTMX)

    assert large == small


def test_an_inline_change_takes_a_fixed_number_of_queries(
    client, live_world, django_assert_max_num_queries
):
    add_milestones(live_world, 200)
    session = milestone("Working kickoff session")
    client.force_login(live_world.provider_lead)
    client.get(page_url(live_world))  # the first request after signing in writes the session

    with django_assert_max_num_queries(21):
        response = post_evidence(client, live_world, session, evidence="Minutes", done=True)

    assert response.status_code == 200


def test_the_demo_shows_a_slipped_gate_once(client, db):
    from django.core.management import call_command

    from accounts.models import User
    from engagements.models import Engagement

    call_command("load_demo")
    call_command("load_demo")  # again: the gate slips once, not twice
    client.force_login(User.objects.get(username="pmo"))
    with tenant_context(User.objects.get(username="pmo").memberships.first().tenant):
        engagement = Engagement.objects.get(name="Back-office transition")

    html = client.get(f"/engagements/{engagement.public_id}/").content.decode()

    assert "Gate slipped 5 days" in html
    assert "slipped 10 days" not in html
