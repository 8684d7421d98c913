"""Engagement administration (PMO): the team, hold/resume/close, rescheduling with a preview."""

import datetime

import pytest

from accounts.models import Membership
from audit.models import Event
from engagements.models import Engagement, EngagementMember, Phase
from engagements.services import put_on_hold
from milestones.models import Milestone
from reporting.models import Review
from tests import factories
from tests.web.pages import table_rows, text_of
from tests.world import build_world
from transition.selectors import reschedule_preview

WEEK = datetime.timedelta(days=7)


def admin_url(world, rest=""):
    return f"/engagements/{world.engagement.public_id}/admin/{rest}"


def seat(world, user):
    return EngagementMember.objects.get(engagement=world.engagement, user=user)


def team(world):
    return sorted(
        EngagementMember.objects.filter(engagement=world.engagement).values_list(
            "user__username", "side", "role"
        )
    )


def test_pmo_sees_the_team_status_actions_and_the_reschedule_form(client, world):
    client.force_login(world.pmo)
    page = client.get(admin_url(world))
    assert page.status_code == 200
    text = text_of(page)
    people = [row["Person"] for row in table_rows(page) if "Person" in row]
    assert f"{world.provider_lead} {world.provider_lead.username}" in people
    assert "Put on hold" in text and "Resume" not in text
    assert "Reschedule a phase" in text and "Preview the move" in text
    assert "Portfolio" in text and "Administration" in text  # breadcrumbs


@pytest.mark.parametrize("label", ["admin", "client_lead", "provider_lead"])
def test_people_who_are_not_pmo_are_refused(client, world, label):
    client.force_login(getattr(world, label))
    assert client.get(admin_url(world)).status_code == 403
    assert client.get(admin_url(world, "reschedule/")).status_code == 403
    before = team(world)
    response = client.post(
        admin_url(world, "members/"),
        {"user": str(world.bystander.public_id), "side": "client", "role": "member"},
    )
    assert response.status_code == 403
    member = seat(world, world.client_staff)
    assert client.post(admin_url(world, f"members/{member.public_id}/remove/")).status_code == 403
    assert client.post(admin_url(world, "status/"), {"action": "hold"}).status_code == 403
    assert team(world) == before
    assert Engagement.objects.get().status == "planning"


def test_an_engagement_the_person_cannot_see_is_not_found(client, world):
    client.force_login(world.bystander)
    assert client.get(admin_url(world)).status_code == 404


def test_pmo_adds_a_tenant_member_with_a_side_and_role(client, world):
    client.force_login(world.pmo)
    response = client.post(
        admin_url(world, "members/"),
        {"user": str(world.bystander.public_id), "side": "client", "role": "viewer"},
        follow=True,
    )
    assert (world.bystander.username, "client", "viewer") in team(world)
    assert f"{world.bystander} joined Alpha care desk" in text_of(response)


def test_only_tenant_members_not_yet_seated_can_be_added(client, world, other_world):
    client.force_login(world.pmo)
    page = client.get(admin_url(world))
    options = page.context["add_form"].fields["user"].choices
    assert {label for _value, label in options[1:]} == {
        f"{world.bystander.get_full_name()} ({world.bystander.username})",
        f"{world.admin.get_full_name()} ({world.admin.username})",
    }
    before = team(world)
    for outsider in (other_world.pmo, world.client_lead):
        response = client.post(
            admin_url(world, "members/"),
            {"user": str(outsider.public_id), "side": "client", "role": "member"},
        )
        assert response.status_code == 400
        assert "Select a valid choice" in text_of(response)
    assert team(world) == before


def test_pmo_changes_a_seat(client, world):
    client.force_login(world.pmo)
    member = seat(world, world.client_staff)
    response = client.post(
        admin_url(world, f"members/{member.public_id}/"),
        {"side": "client", "role": "viewer"},
        follow=True,
    )
    assert (world.client_staff.username, "client", "viewer") in team(world)
    assert f"{world.client_staff} is now" in text_of(response)


def test_removing_a_person_who_owns_open_work_is_refused_and_says_why(client, world):
    client.force_login(world.pmo)
    member = seat(world, world.provider_staff)
    before = team(world)

    response = client.post(admin_url(world, f"members/{member.public_id}/remove/"))

    assert response.status_code == 409
    assert f"{world.provider_staff} still owns open milestones" in text_of(response)
    assert "Nothing was changed." in text_of(response)
    assert team(world) == before


def test_removing_a_person_without_open_work(client, world):
    client.force_login(world.pmo)
    member = EngagementMember.objects.create(
        tenant=world.tenant,
        engagement=world.engagement,
        user=world.bystander,
        side="client",
        role="viewer",
    )
    response = client.post(admin_url(world, f"members/{member.public_id}/remove/"), follow=True)
    assert world.bystander.username not in [username for username, *_ in team(world)]
    assert f"{world.bystander} left Alpha care desk." in text_of(response)


def test_hold_resume_and_a_refused_close(client, world):
    client.force_login(world.pmo)
    response = client.post(admin_url(world, "status/"), {"action": "hold"}, follow=True)
    assert Engagement.objects.get().status == "on_hold"
    assert "Alpha care desk is on hold" in text_of(response)
    assert "Resume" in text_of(response) and "Close" in text_of(response)

    response = client.post(admin_url(world, "status/"), {"action": "resume"}, follow=True)
    assert Engagement.objects.get().status == "planning"
    assert "Alpha care desk has resumed; it is planning." in text_of(response)

    # Closing is for a stabilised engagement (or one on hold): posted anyway, it is refused.
    response = client.post(admin_url(world, "status/"), {"action": "close"})
    assert response.status_code == 409
    assert "Only a stabilised engagement, or one on hold, can be closed" in text_of(response)
    assert Engagement.objects.get().status == "planning"

    assert client.post(admin_url(world, "status/"), {"action": "explode"}).status_code == 400


def test_closing_an_engagement_on_hold(client, world):
    put_on_hold(actor=world.pmo, engagement=world.engagement)
    client.force_login(world.pmo)
    response = client.post(admin_url(world, "status/"), {"action": "close"}, follow=True)
    assert Engagement.objects.get().status == "closed"
    assert "This engagement is closed" in text_of(response)


def reschedule_form(phase, planned_end, reason="CRM sandbox access two weeks late"):
    return {
        "phase": str(phase.public_id),
        "planned_end": f"{planned_end:%Y-%m-%d}",
        "reason": reason,
    }


def test_the_preview_shows_what_moves_and_writes_nothing(client, world):
    tooling = Phase.objects.get(kind="tooling")
    client.force_login(world.pmo)
    due_dates = dict(Milestone.objects.values_list("pk", "due_date"))
    events = Event.objects.count()

    page = client.post(
        admin_url(world, "reschedule/"),
        {**reschedule_form(tooling, tooling.planned_end + WEEK), "action": "preview"},
    )

    assert page.status_code == 200
    text = text_of(page)
    assert "7 days later" in text
    rows = table_rows(page)
    phases = [row for row in rows if "Phase" in row]
    assert [row["Phase"] for row in phases] == ["Tooling", "Controlled go-live", "Stabilisation"]
    moved = [row for row in rows if "Milestone" in row]
    later = Milestone.objects.filter(phase__position__gt=tooling.position).exclude(
        status__in=Milestone.CLOSED
    )
    assert len(moved) == later.count()
    assert "Target go-live: 16 Jan 2026 → 23 Jan 2026" in text
    assert "reviews count from the contract signature" in text
    assert "Confirm the move" in text
    assert dict(Milestone.objects.values_list("pk", "due_date")) == due_dates
    assert Event.objects.count() == events


def test_confirming_moves_exactly_what_the_preview_showed(client, world):
    tooling = Phase.objects.get(kind="tooling")
    new_end = tooling.planned_end + WEEK
    preview = reschedule_preview(phase=tooling, planned_end=new_end)
    client.force_login(world.pmo)

    response = client.post(
        admin_url(world, "reschedule/"),
        {**reschedule_form(tooling, new_end), "action": "confirm"},
        follow=True,
    )

    assert "Tooling now ends on" in text_of(response)
    assert "Reason: CRM sandbox access two weeks late" in text_of(response)
    phases = {phase.get_kind_display(): phase for phase in Phase.objects.all()}
    for move in preview.phases:
        assert (phases[move.label].planned_start, phases[move.label].planned_end) == (
            move.start_after,
            move.end_after,
        )
    due = dict(Milestone.objects.values_list("title", "due_date"))
    for move in preview.milestones:
        assert due[move.label] == move.after
    assert Engagement.objects.get().target_go_live == preview.go_live.after
    notes = set(Event.objects.filter(action="updated").values_list("note", flat=True))
    assert notes == {"Rescheduled: CRM sandbox access two weeks late"}


def test_the_preview_of_go_live_anchored_reviews_matches_the_service(db):
    from kernel.tenancy import tenant_context
    from transition.services import reschedule_phase

    world = build_world("Alpha", playbook_key="post-signature-sequence")
    with tenant_context(world.tenant):
        access = Phase.objects.get(kind="access")
        preview = reschedule_preview(phase=access, planned_end=access.planned_end + WEEK)
        assert preview.reviews
        reschedule_phase(
            actor=world.pmo, phase=access, planned_end=access.planned_end + WEEK, reason="Late"
        )
        scheduled = dict(Review.objects.values_list("title", "scheduled_on"))
    assert {move.label: move.after for move in preview.reviews} == {
        title: scheduled[title] for title in (move.label for move in preview.reviews)
    }


def test_bad_reschedule_input_is_refused_keeping_what_was_typed(client, world):
    tooling = Phase.objects.get(kind="tooling")
    client.force_login(world.pmo)
    before = Phase.objects.get(kind="tooling").planned_end

    early = client.post(
        admin_url(world, "reschedule/"),
        {**reschedule_form(tooling, tooling.planned_start - WEEK), "action": "confirm"},
    )
    no_reason = client.post(
        admin_url(world, "reschedule/"),
        {**reschedule_form(tooling, tooling.planned_end + WEEK, reason=" "), "action": "confirm"},
    )

    assert early.status_code == 400
    assert "A phase cannot end before it starts" in text_of(early)
    assert no_reason.status_code == 400
    assert "This field is required." in text_of(no_reason)
    assert f'value="{tooling.planned_end + WEEK:%Y-%m-%d}"' in no_reason.content.decode()
    assert Phase.objects.get(kind="tooling").planned_end == before


def test_a_member_posting_a_reschedule_changes_nothing(client, world):
    tooling = Phase.objects.get(kind="tooling")
    client.force_login(world.client_lead)
    response = client.post(
        admin_url(world, "reschedule/"),
        {**reschedule_form(tooling, tooling.planned_end + WEEK), "action": "confirm"},
    )
    assert response.status_code == 403
    assert Phase.objects.get(kind="tooling").planned_end == tooling.planned_end


def test_a_seated_pmo_side_member_administers_too(client, world):
    # Not PMO of the tenant, but on the engagement's PMO side: PMO for this engagement.
    person = factories.UserFactory()
    Membership.objects.create(user=person, tenant=world.tenant, role="member")
    EngagementMember.objects.create(
        tenant=world.tenant, engagement=world.engagement, user=person, side="pmo", role="member"
    )
    client.force_login(person)
    assert client.get(admin_url(world)).status_code == 200
