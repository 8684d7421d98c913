"""Four eyes: whoever requested a gate decision cannot approve it (a tenant policy, on by
default); a tenant that turns it off records and shows each self-approval."""

import re

import pytest

from accounts.models import Membership
from audit.models import Event
from engagements.services import start_transition
from governance.models import Gate, GateDecision
from governance.services import FourEyes, approve_gate, reject_gate, request_gate_decision
from kernel.errors import NotAllowed
from tests import factories
from tests.world import finish_phase, meet_criteria_and_attest
from transition.services import set_separation_of_duties


@pytest.fixture
def ready_kickoff(world):
    """The kickoff gate with nothing open, its decision requested by the PMO."""
    start_transition(actor=world.pmo, engagement=world.engagement)
    finish_phase(world, "kickoff")
    gate = Gate.objects.select_related("engagement", "phase").get(phase__kind="kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.pmo, gate=gate)
    return gate


@pytest.fixture
def second_pmo(world):
    user = factories.UserFactory(username="alpha-second-pmo")
    Membership.objects.create(user=user, tenant=world.tenant, role="pmo")
    return user


def page_url(gate: Gate, action: str = "") -> str:
    return f"/engagements/{gate.engagement.public_id}/gates/{gate.public_id}/{action}"


def test_the_pmo_who_requested_a_decision_cannot_approve_it(world, ready_kickoff):
    with pytest.raises(FourEyes) as refused:
        approve_gate(actor=world.pmo, gate=ready_kickoff, comment="All done")

    assert "you requested the decision on “Kickoff gate”" in refused.value.message
    assert "another PMO must approve it" in refused.value.message
    assert not GateDecision.objects.exists()
    ready_kickoff.refresh_from_db()
    assert ready_kickoff.status == "requested"


def test_another_pmo_approves_and_the_decision_is_not_self_approved(
    world, ready_kickoff, second_pmo
):
    decision = approve_gate(actor=second_pmo, gate=ready_kickoff, comment="Checked")

    assert decision.decided_by == second_pmo and decision.self_approved is False


def test_the_requester_may_still_reject(world, ready_kickoff):
    decision = reject_gate(actor=world.pmo, gate=ready_kickoff, reason="Calling hours missing")
    assert decision.outcome == "rejected"


def test_a_tenant_that_turns_four_eyes_off_records_each_self_approval(world, ready_kickoff):
    set_separation_of_duties(actor=world.admin, tenant=world.tenant, separate=False)

    decision = approve_gate(actor=world.pmo, gate=ready_kickoff, comment="Only PMO here")

    assert decision.self_approved is True
    event = Event.objects.get(object_type="gate_decision", object_id=str(decision.public_id))
    assert event.snapshot["self_approved"] is True


def test_only_a_tenant_admin_changes_the_policy_and_the_change_is_audited(world):
    assert world.tenant.separation_of_duties is True  # on by default
    with pytest.raises(NotAllowed):
        set_separation_of_duties(actor=world.pmo, tenant=world.tenant, separate=False)
    world.tenant.refresh_from_db()
    assert world.tenant.separation_of_duties is True

    set_separation_of_duties(actor=world.admin, tenant=world.tenant, separate=False)

    world.tenant.refresh_from_db()
    assert world.tenant.separation_of_duties is False
    event = Event.objects.get(object_type="tenant", action="updated")
    assert event.actor == world.admin
    assert event.changes == {"separation_of_duties": [True, False]}
    assert event.operation == "tenant.policy_changed"


# --- Pages -------------------------------------------------------------------------------------


def test_the_gate_page_refuses_the_requesters_approval_in_place(client, world, ready_kickoff):
    client.force_login(world.pmo)
    page = client.get(page_url(ready_kickoff)).content.decode()
    assert "Four eyes: you requested this decision, so another PMO approves it." in page

    response = client.post(page_url(ready_kickoff, "approve/"), {"comment": "Mine"})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="approval-error"' in html
    assert "another PMO must approve it" in html
    assert "Mine</textarea>" in html  # what was typed is kept
    assert not GateDecision.objects.exists()


def test_the_gate_page_marks_a_self_approved_decision(client, world, ready_kickoff):
    set_separation_of_duties(actor=world.admin, tenant=world.tenant, separate=False)
    client.force_login(world.pmo)

    response = client.post(page_url(ready_kickoff, "approve/"), {"comment": "Only PMO"})

    assert response.status_code == 302
    html = client.get(page_url(ready_kickoff)).content.decode()
    assert "Self-approved" in html
    assert f"{world.pmo} requested this decision and approved it" in html
    assert "(self-approved)" in html


def test_a_tenant_admin_turns_four_eyes_off_and_on_from_the_members_page(client, world):
    client.force_login(world.admin)
    page = client.get("/members/").content.decode()
    assert 'name="separation_of_duties" id="separation-of-duties" checked' in page

    response = client.post("/members/separation-of-duties/", {})
    assert response.status_code == 302
    world.tenant.refresh_from_db()
    assert world.tenant.separation_of_duties is False
    page = client.get("/members/").content.decode()
    assert "Four eyes is off" in page
    assert 'id="separation-of-duties" checked' not in page

    client.post("/members/separation-of-duties/", {"separation_of_duties": "on"})
    world.tenant.refresh_from_db()
    assert world.tenant.separation_of_duties is True


def test_a_pmo_cannot_change_the_policy_from_the_page(client, world):
    client.force_login(world.pmo)
    response = client.post("/members/separation-of-duties/", {})
    assert response.status_code == 403
    world.tenant.refresh_from_db()
    assert world.tenant.separation_of_duties is True


def test_the_review_report_says_a_gate_was_self_approved(world, ready_kickoff, second_pmo):
    from reporting.models import Review
    from reporting.reports import build_report, render_report_body
    from reporting.reviews import publish_review

    set_separation_of_duties(actor=world.admin, tenant=world.tenant, separate=False)
    approve_gate(actor=world.pmo, gate=ready_kickoff, comment="Only PMO this week")
    review = publish_review(
        actor=second_pmo,
        review=Review.objects.get(engagement=world.engagement, day=14),
        reason="Steering committee asked for it early.",
    )

    html = render_report_body(document=build_report(review=review), for_pdf=True)
    body = " ".join(re.sub(r"<[^>]+>", " ", html).split())

    assert "Gate decisions" in body
    assert (
        f"Approved (self-approved: {world.pmo} requested this decision and approved it; "
        "four eyes was off)" in body
    )


def test_the_review_report_lists_a_four_eyes_decision_without_the_mark(
    world, ready_kickoff, second_pmo
):
    from reporting.models import Review
    from reporting.reports import build_report, render_report_body
    from reporting.reviews import publish_review

    approve_gate(actor=second_pmo, gate=ready_kickoff, comment="Checked")
    review = publish_review(
        actor=second_pmo,
        review=Review.objects.get(engagement=world.engagement, day=14),
        reason="Steering committee asked for it early.",
    )

    html = render_report_body(document=build_report(review=review), for_pdf=True)
    body = " ".join(re.sub(r"<[^>]+>", " ", html).split())

    assert f"Kickoff gate Approved {second_pmo}" in body
    assert "self-approved" not in body
