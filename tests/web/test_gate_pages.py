"""The gate page, its htmx checklist and decision, and the PMO queue, as people use them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from audit.models import Event
from engagements.models import Phase
from engagements.services import add_member, start_transition
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from governance.selectors import open_items_for_gate, pmo_queue
from governance.services import GateHasOpenItems, approve_gate, request_gate_decision
from milestones.models import Milestone
from tests import factories
from tests.world import add_engagement, finish_phase, meet_criteria_and_attest

HTMX = {"HTTP_HX_REQUEST": "true"}


def gate_of(kind: str) -> Gate:
    return Gate.objects.select_related("engagement", "phase").get(phase__kind=kind)


def page_url(gate: Gate, action: str = "") -> str:
    return f"/engagements/{gate.engagement.public_id}/gates/{gate.public_id}/{action}"


def criterion_url(criterion: GateCriterion) -> str:
    return page_url(criterion.gate, f"criteria/{criterion.public_id}/")


def state_of(gate: Gate) -> tuple:
    """Everything a gate action could change, to prove a refused one changed nothing."""
    gate.refresh_from_db()
    return (
        gate.status,
        Phase.objects.get(pk=gate.phase_id).status,
        list(GateCriterion.objects.filter(gate=gate).values_list("state", "justification")),
        GateAttestation.objects.filter(gate=gate).count(),
        GateDecision.objects.filter(gate=gate).count(),
        Event.objects.count(),
    )


@pytest.fixture
def kickoff(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    return gate_of("kickoff")


@pytest.fixture
def viewer(world):
    user = factories.UserFactory(username="alpha-viewer")
    Membership.objects.create(user=user, tenant=world.tenant, role="member")
    add_member(
        actor=world.pmo, engagement=world.engagement, user=user, side="client", role="viewer"
    )
    return user


@pytest.fixture
def requested_with_open_milestones(world, kickoff):
    meet_criteria_and_attest(world, kickoff)
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    return kickoff


# --- The page --------------------------------------------------------------------------------


def test_the_gate_page_shows_criteria_attestations_and_the_phase_work(client, world, kickoff):
    client.force_login(world.provider_lead)

    response = client.get(page_url(kickoff))

    assert response.status_code == 200
    html = response.content.decode()
    for criterion in kickoff.criteria.all():
        assert criterion.text in html
    assert "Client lead" in html and "Provider lead" in html
    for milestone in Milestone.objects.filter(phase__kind="kickoff"):
        page = f"/engagements/{world.engagement.public_id}/milestones/{milestone.public_id}/"
        assert f'<a href="{page}">{milestone.title}</a>' in html
    assert "Request decision" in html
    # A provider lead marks criteria and attests for the provider side, never waives.
    assert "Mark met" in html and "Waive" not in html
    assert "Attest for the provider side" in html and "Attest for the client side" not in html
    assert "Approve</button>" not in html


def test_the_gate_list_shows_each_phase_gate_with_what_is_open(client, world, kickoff):
    client.force_login(world.client_lead)

    response = client.get(f"/engagements/{world.engagement.public_id}/gates/")

    assert response.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode().split("<tbody>")[1], re.S)
    assert len(rows) == 6
    assert "Kickoff gate" in rows[0]
    assert f">{len(open_items_for_gate(gate=kickoff))}</td>" in rows[0]


def test_marking_a_criterion_met_updates_its_row_in_place(client, world, kickoff):
    criterion = kickoff.criteria.order_by("position").first()
    client.force_login(world.provider_lead)

    response = client.post(
        criterion_url(criterion),
        {"state": "met", "justification": "Brief v3 signed 12 Jan"},
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "gate-changed"
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="criterion-{criterion.public_id}">')
    assert "<html" not in html
    assert ">Met</span>" in html and "Brief v3 signed 12 Jan" in html
    assert "marked met" in html
    criterion.refresh_from_db()
    assert (criterion.state, criterion.decided_by) == ("met", world.provider_lead)


def test_without_htmx_a_criterion_action_returns_to_the_page_with_a_message(client, world, kickoff):
    criterion = kickoff.criteria.order_by("position").first()
    client.force_login(world.provider_lead)

    response = client.post(criterion_url(criterion), {"state": "met"}, follow=True)

    assert response.redirect_chain[-1][0].endswith(f"#criterion-{criterion.public_id}")
    assert f"“{criterion.text}” marked met." in response.content.decode()


def test_a_waiver_without_justification_is_refused_in_the_row(client, world, kickoff):
    criterion = kickoff.criteria.order_by("position").first()
    before = state_of(kickoff)
    client.force_login(world.pmo)

    response = client.post(
        criterion_url(criterion), {"state": "waived", "justification": "   "}, **HTMX
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="criterion-{criterion.public_id}">')
    assert "A waiver needs a written justification." in html
    assert '<details class="waive" open>' in html
    assert state_of(kickoff) == before


def test_pmo_waives_a_criterion_with_a_justification(client, world, kickoff):
    criterion = kickoff.criteria.order_by("position").first()
    client.force_login(world.pmo)

    response = client.post(
        criterion_url(criterion),
        {"state": "waived", "justification": "Brief replaced by the signed SOW"},
        **HTMX,
    )

    assert response.status_code == 200
    assert ">Waived</span>" in response.content.decode()
    criterion.refresh_from_db()
    assert (criterion.state, criterion.justification) == (
        "waived",
        "Brief replaced by the signed SOW",
    )


def test_a_refused_waiver_without_htmx_shows_the_page_with_the_row_error(client, world, kickoff):
    criterion = kickoff.criteria.order_by("position").first()
    client.force_login(world.pmo)

    response = client.post(criterion_url(criterion), {"state": "waived", "justification": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1" in html and "A waiver needs a written justification." in html


def test_the_client_lead_attests_in_place(client, world, kickoff):
    client.force_login(world.client_lead)

    response = client.post(
        page_url(kickoff, "attest/"), {"side": "client", "comment": "Brief agreed"}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<section id="attestations"')
    assert f"by {world.client_lead} on" in html and "“Brief agreed”" in html
    attestation = GateAttestation.objects.get(gate=kickoff)
    assert (attestation.side, attestation.attested_by) == ("client", world.client_lead)


def test_attesting_twice_is_refused_in_place(client, world, kickoff):
    client.force_login(world.client_lead)
    client.post(page_url(kickoff, "attest/"), {"side": "client"}, **HTMX)
    before = state_of(kickoff)

    response = client.post(page_url(kickoff, "attest/"), {"side": "client"}, **HTMX)

    assert response.status_code == 409
    assert "The client side has already attested “Kickoff gate”." in response.content.decode()
    assert state_of(kickoff) == before


def test_requesting_a_decision_makes_the_gate_wait_for_pmo(client, world, kickoff):
    client.force_login(world.provider_lead)

    response = client.post(page_url(kickoff, "request/"), follow=True)

    assert "PMO has been asked to decide “Kickoff gate”." in response.content.decode()
    assert gate_of("kickoff").status == "requested"
    assert "Waiting for PMO to decide." in response.content.decode()


def test_requesting_before_the_phase_is_active_is_refused_on_the_page(client, world, kickoff):
    transition_gate = gate_of("transition")
    before = state_of(transition_gate)
    client.force_login(world.provider_lead)

    response = client.post(page_url(transition_gate, "request/"))

    assert response.status_code == 409
    assert (
        "A decision can be requested only while the Transition phase is active; "
        "it is not started." in response.content.decode()
    )
    assert state_of(transition_gate) == before


# --- The decision --------------------------------------------------------------------------------


def test_a_refused_approval_lists_exactly_what_is_open_each_linked(
    client, world, requested_with_open_milestones
):
    gate = requested_with_open_milestones
    with pytest.raises(GateHasOpenItems) as expected:
        approve_gate(actor=world.pmo, gate=gate)
    before = state_of(gate)
    client.force_login(world.pmo)

    response = client.post(page_url(gate, "approve/"), {"comment": "Looks ready"})

    assert response.status_code == 409
    html = response.content.decode()
    refusal = re.search(r'id="approval-refused">(.*?)</div>', html, re.S).group(1)
    assert "“Kickoff gate” cannot be approved; still open:" in refusal
    listed = re.findall(r'<li><a href="([^"]+)" class="alert-link">([^<]+)</a></li>', refusal)
    assert [label for _link, label in listed] == expected.value.items
    engagement_url = f"/engagements/{world.engagement.public_id}/"
    open_milestones = Milestone.objects.filter(phase__kind="kickoff").order_by("due_date", "id")
    assert [link for link, _label in listed] == [
        f"{engagement_url}#milestone-{milestone.public_id}" for milestone in open_milestones
    ]
    assert "Looks ready</textarea>" in html  # what was typed is kept
    assert state_of(gate) == before


def test_unmet_criteria_and_attestations_link_to_where_they_are_fixed(client, world, kickoff):
    finish_phase(world, "kickoff")
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    client.force_login(world.pmo)

    response = client.post(page_url(kickoff, "approve/"), {})

    assert response.status_code == 409
    html = response.content.decode()
    first = kickoff.criteria.filter(required=True).order_by("position").first()
    assert (
        f'<a href="{page_url(kickoff)}#criterion-{first.public_id}" class="alert-link">'
        f"Criterion not met: {first.text}</a>" in html
    )
    assert (
        f'<a href="{page_url(kickoff)}#attest-client" class="alert-link">'
        "Attestation missing: client lead</a>" in html
    )


def test_pmo_approves_and_the_page_shows_the_snapshot_who_and_when(client, world, kickoff):
    finish_phase(world, "kickoff")
    meet_criteria_and_attest(world, kickoff)
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    client.force_login(world.pmo)

    response = client.post(page_url(kickoff, "approve/"), {"comment": "Go"}, follow=True)

    html = response.content.decode()
    assert "“Kickoff gate” approved." in html
    assert "Criteria at approval" in html and f"by <strong>{world.pmo}</strong>" in html
    assert "“Go”" in html
    assert '<span class="next-phase-status">active</span>' in html
    # Immutable: nothing on the page changes it any more.
    assert "Mark met" not in html and "Approve</button>" not in html
    assert "Request decision" not in html
    decision = GateDecision.objects.get(gate=kickoff)
    assert decision.decided_at.strftime("%-d %b %Y, %H:%M") in html
    assert Phase.objects.get(kind="transition").status == "active"


def test_a_rejection_needs_a_reason_beside_the_field(client, world, requested_with_open_milestones):
    gate = requested_with_open_milestones
    before = state_of(gate)
    client.force_login(world.pmo)

    response = client.post(page_url(gate, "reject/"), {"reason": "  "})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="reject-reason-error"' in html
    assert "Say what must change before the gate passes." in html
    assert state_of(gate) == before


def test_pmo_rejects_with_a_reason_and_the_phase_is_back_at_work(
    client, world, requested_with_open_milestones
):
    gate = requested_with_open_milestones
    client.force_login(world.pmo)

    response = client.post(page_url(gate, "reject/"), {"reason": "Finish the QA plan"}, follow=True)

    html = response.content.decode()
    assert "rejected; the phase is back at work" in html
    assert "“Finish the QA plan”" in html  # in the history
    assert gate_of("kickoff").status == "rejected"
    assert Phase.objects.get(kind="kickoff").status == "active"


# --- Every action, tried by someone without the right -------------------------------------------


def _criterion(gate):
    return gate.criteria.order_by("position").first()


ACTIONS = {
    "mark met": lambda gate: (criterion_url(_criterion(gate)), {"state": "met"}),
    "waive": lambda gate: (
        criterion_url(_criterion(gate)),
        {"state": "waived", "justification": "Because"},
    ),
    "attest client": lambda gate: (page_url(gate, "attest/"), {"side": "client"}),
    "attest provider": lambda gate: (page_url(gate, "attest/"), {"side": "provider"}),
    "request": lambda gate: (page_url(gate, "request/"), {}),
    "approve": lambda gate: (page_url(gate, "approve/"), {"comment": "ok"}),
    "reject": lambda gate: (page_url(gate, "reject/"), {"reason": "no"}),
}

REFUSED = [
    # (who, action, status): not seated at all is 404; seated without the right is 403.
    *[("bystander", action, 404) for action in ACTIONS],
    *[("viewer", action, 403) for action in ACTIONS],
    ("provider_staff", "waive", 403),
    ("provider_staff", "attest provider", 403),
    ("client_lead", "attest provider", 403),
    ("provider_lead", "attest client", 403),
    ("client_lead", "approve", 403),
    ("provider_lead", "reject", 403),
]


@pytest.mark.parametrize(("who", "action", "status"), REFUSED)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_action_without_the_right_is_refused_and_changes_nothing(
    client, world, viewer, who, action, status, htmx
):
    start_transition(actor=world.pmo, engagement=world.engagement)
    gate = gate_of("kickoff")
    if action in {"approve", "reject"}:
        request_gate_decision(actor=world.provider_lead, gate=gate)
    before = state_of(gate)
    user = viewer if who == "viewer" else getattr(world, who)
    client.force_login(user)
    url, form = ACTIONS[action](gate)

    response = client.post(url, form, **(HTMX if htmx else {}))

    assert response.status_code == status
    assert state_of(gate) == before


def test_another_tenants_gate_is_not_found(client, world, other_world, kickoff):
    client.force_login(other_world.pmo)
    before = state_of(kickoff)

    assert client.get(page_url(kickoff)).status_code == 404
    assert client.post(page_url(kickoff, "request/")).status_code == 404
    assert state_of(kickoff) == before


# --- The PMO queue ------------------------------------------------------------------------------


def test_the_pmo_queue_lists_waiting_gates_oldest_first_with_open_counts(client, world, kickoff):
    second = add_engagement(world, name="Second desk")
    start_transition(actor=world.pmo, engagement=second)
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    later = Gate.objects.get(engagement=second, phase__kind="kickoff")
    request_gate_decision(actor=world.provider_lead, gate=later)
    Gate.objects.filter(pk=kickoff.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=3)
    )
    client.force_login(world.pmo)

    response = client.get("/gates/queue/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr>.*?</tr>", html.split("<tbody>")[1], re.S)
    assert [world.engagement.name in rows[0], "Second desk" in rows[1]] == [True, True]
    assert "3\xa0days" in rows[0]
    assert f"{len(open_items_for_gate(gate=kickoff))} open</span>" in rows[0]
    assert 'aria-current="page" href="/gates/queue/">PMO queue</a>' in html


def test_the_pmo_queue_is_for_the_tenants_pmo_and_admins_only(client, world, kickoff):
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    client.force_login(world.admin)
    assert client.get("/gates/queue/").status_code == 200
    client.force_login(world.provider_lead)

    assert client.get("/gates/queue/").status_code == 403
    assert b"PMO queue" not in client.get("/").content


def test_the_pmo_queue_is_empty_when_nothing_waits(client, world):
    client.force_login(world.pmo)
    assert "No gate is waiting for a decision." in client.get("/gates/queue/").content.decode()


def test_open_item_counts_in_sql_match_what_approval_would_list(world, kickoff):
    finish_phase(world, "kickoff")
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    second = add_engagement(world, name="Second desk")
    start_transition(actor=world.pmo, engagement=second)
    other = Gate.objects.get(engagement=second, phase__kind="kickoff")
    meet_criteria_and_attest(world, other)
    request_gate_decision(actor=world.provider_lead, gate=other)

    counted = {gate.pk: gate.open_items for gate in pmo_queue(actor=world.pmo)}

    assert counted == {
        kickoff.pk: len(open_items_for_gate(gate=kickoff)),
        other.pk: len(open_items_for_gate(gate=other)),
    }
    assert counted[kickoff.pk] == 5  # three required criteria and both attestations


def _pending_gates(world, numbers: range) -> None:
    """An engagement per number, each with a gate awaiting a decision (the lower the number,
    the longer it has waited) and open work."""
    for number in numbers:
        engagement = factories.EngagementFactory(tenant=world.tenant, name=f"Desk {number:03}")
        phase = factories.PhaseFactory(engagement=engagement, status="awaiting_decision")
        gate = Gate.objects.create(
            tenant=world.tenant,
            engagement=engagement,
            phase=phase,
            name=f"Gate {number:03}",
            client_attestation_required=True,
            status="requested",
            requested_at=timezone.now() - datetime.timedelta(hours=1000 - number),
            requested_by=world.pmo,
        )
        GateCriterion.objects.create(tenant=world.tenant, gate=gate, text="Signed brief")
        Milestone.objects.create(
            tenant=world.tenant,
            engagement=engagement,
            phase=phase,
            title="Badge access",
            owner=world.provider_lead,
            side="provider",
            due_date=datetime.date(2026, 1, 9),
        )


def _queue_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/gates/queue/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_pmo_queue_query_count_does_not_grow_with_100_pending_gates(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.pmo)
    _pending_gates(world, range(3))
    _queue_queries(client)  # the first request of a session loads what later ones reuse
    few, _html = _queue_queries(client)
    _pending_gates(world, range(3, 100))

    with django_assert_max_num_queries(5):
        many, html = _queue_queries(client)

    assert many == few
    assert html.count("3 open</span>") == 100  # a criterion, an attestation, a milestone
    shown = re.findall(r">Gate (\d{3})</a>", html)
    assert shown == [f"{number:03}" for number in range(100)]  # the longest waiting first


def test_the_gate_page_query_count_does_not_grow_with_its_milestones(
    client, world, kickoff, django_assert_max_num_queries
):
    client.force_login(world.pmo)
    client.get(page_url(kickoff))
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(kickoff))
    phase = Phase.objects.get(kind="kickoff")
    for number in range(20):
        Milestone.objects.create(
            tenant=world.tenant,
            engagement=world.engagement,
            phase=phase,
            title=f"Extra step {number}",
            owner=world.provider_staff,
            side="provider",
            due_date=datetime.date(2026, 1, 9),
        )

    with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as many:
        response = client.get(page_url(kickoff))

    assert response.content.decode().count("Open milestone: Extra step") == 20
    assert len(many) == len(few)


def test_the_decision_panel_reloads_alone_after_a_checklist_change(client, world, kickoff):
    client.force_login(world.pmo)

    response = client.get(page_url(kickoff), HTTP_HX_TARGET="decision-panel", **HTMX)

    html = response.content.decode()
    assert html.strip().startswith('<section id="decision-panel"')
    assert f"Still open ({len(open_items_for_gate(gate=kickoff))})" in html
    assert {"HX-Request", "HX-Target"} <= {h.strip() for h in response["Vary"].split(",")}


def test_open_gate_items_say_what_each_is_about(world, kickoff):
    from governance.selectors import open_gate_items

    items = open_gate_items(gate=kickoff)

    assert [item.label for item in items] == open_items_for_gate(gate=kickoff)
    kinds = [item.kind for item in items]
    assert kinds == sorted(kinds, key=["criterion", "attestation", "milestone"].index)
    assert {item.target for item in items if item.kind == "attestation"} == {"client", "provider"}
    criteria = [item.target for item in items if item.kind == "criterion"]
    assert all(isinstance(c, GateCriterion) and c.required for c in criteria)
    milestones = [item.target for item in items if item.kind == "milestone"]
    assert {m.pk for m in milestones} == set(
        Milestone.objects.filter(phase__kind="kickoff").values_list("pk", flat=True)
    )


def test_a_nul_in_the_approval_comment_is_refused_beside_it(client, world, kickoff):
    """Once approved silently with the comment dropped; now bad input, and nothing decided."""
    finish_phase(world, "kickoff")
    meet_criteria_and_attest(world, kickoff)
    request_gate_decision(actor=world.provider_lead, gate=kickoff)
    before = state_of(kickoff)
    client.force_login(world.pmo)

    response = client.post(page_url(kickoff, "approve/"), {"comment": "Go\x00"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="approve-comment-error"' in html
    assert "Null characters are not allowed." in html
    assert state_of(kickoff) == before
    assert not GateDecision.objects.filter(gate=kickoff).exists()


def test_a_nul_in_the_rejection_reason_is_refused_beside_it(
    client, world, requested_with_open_milestones
):
    """Once a 500; now bad input, and nothing decided."""
    gate = requested_with_open_milestones
    before = state_of(gate)
    client.force_login(world.pmo)

    response = client.post(page_url(gate, "reject/"), {"reason": "Not yet\x00"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="reject-reason-error"' in html
    assert "Null characters are not allowed." in html
    assert state_of(gate) == before
