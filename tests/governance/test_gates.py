import threading

import pytest
from django.db import connection, connections

from audit.models import Event
from engagements.models import Engagement, Phase
from engagements.services import start_transition
from governance.models import Gate, GateCriterion, GateDecision
from governance.services import (
    GateHasOpenItems,
    approve_gate,
    attest_gate,
    reject_gate,
    request_gate_decision,
    set_criterion_state,
)
from kernel.errors import InvalidInput, NotAllowed, RuleBroken
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.world import finish_phase, meet_criteria_and_attest


def gate_of(kind: str) -> Gate:
    return Gate.objects.select_related("phase").get(phase__kind=kind)


@pytest.fixture
def kickoff_requested(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    gate = gate_of("kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    return gate


def test_requesting_a_decision_makes_the_phase_wait(world, kickoff_requested):
    assert gate_of("kickoff").status == "requested"
    assert Phase.objects.get(kind="kickoff").status == "awaiting_decision"


def test_an_open_milestone_blocks_approval_and_is_listed(world, kickoff_requested):
    with pytest.raises(GateHasOpenItems) as refused:
        approve_gate(actor=world.pmo, gate=kickoff_requested, comment="Ready")
    open_titles = list(
        Milestone.objects.filter(phase__kind="kickoff")
        .order_by("due_date", "id")
        .values_list("title", flat=True)
    )
    assert refused.value.items == [f"Open milestone: {t} (not started)" for t in open_titles]
    assert "cannot be approved; still open" in refused.value.message
    assert not GateDecision.objects.exists()
    assert Phase.objects.get(kind="kickoff").status == "awaiting_decision"


def test_unmet_criteria_and_missing_attestations_are_listed(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    finish_phase(world, "kickoff")
    gate = gate_of("kickoff")
    request_gate_decision(actor=world.provider_lead, gate=gate)
    with pytest.raises(GateHasOpenItems) as refused:
        approve_gate(actor=world.pmo, gate=gate)
    required = gate.criteria.filter(required=True).order_by("position")
    assert refused.value.items == [
        *[f"Criterion not met: {c.text}" for c in required],
        "Attestation missing: client lead",
        "Attestation missing: provider lead",
    ]


def test_a_waiver_needs_a_justification_and_pmo(world):
    criterion = gate_of("kickoff").criteria.first()
    with pytest.raises(InvalidInput) as refused:
        set_criterion_state(
            actor=world.pmo, criterion=criterion, state="waived", justification="  "
        )
    assert refused.value.message == "A waiver needs a written justification."
    with pytest.raises(NotAllowed) as refused:
        set_criterion_state(
            actor=world.provider_lead,
            criterion=criterion,
            state="waived",
            justification="Not needed",
        )
    assert refused.value.message == "Only PMO can waive a gate criterion."
    criterion.refresh_from_db()
    assert criterion.state == "not_met"

    waived = set_criterion_state(
        actor=world.pmo,
        criterion=criterion,
        state="waived",
        justification="Covered by the client's own sign-off",
    )
    assert waived.state == "waived" and waived.decided_by == world.pmo


def test_only_pmo_approves(world, kickoff_requested):
    finish_phase(world, "kickoff")
    for actor in (world.client_lead, world.provider_lead, world.admin):
        with pytest.raises(NotAllowed) as refused:
            approve_gate(actor=actor, gate=kickoff_requested)
        assert refused.value.message == "Only PMO can approve a gate."
    assert not GateDecision.objects.exists()


def test_only_the_side_lead_attests(world):
    gate = gate_of("kickoff")
    with pytest.raises(NotAllowed):
        attest_gate(actor=world.provider_staff, gate=gate, side="provider")
    with pytest.raises(NotAllowed):
        attest_gate(actor=world.client_lead, gate=gate, side="provider")


def test_approval_records_snapshot_completes_the_phase_and_opens_the_next(world, kickoff_requested):
    finish_phase(world, "kickoff")
    decision = approve_gate(actor=world.pmo, gate=kickoff_requested, comment="Brief signed")

    assert decision.outcome == "approved" and decision.decided_by == world.pmo
    assert decision.comment == "Brief signed"
    assert [c["state"] for c in decision.criteria_snapshot] == ["met"] * len(
        decision.criteria_snapshot
    )
    phases = dict(Phase.objects.values_list("kind", "status"))
    assert phases["kickoff"] == "complete"
    assert phases["transition"] == "active"
    assert list(phases.values()).count("active") == 1

    with pytest.raises(ValueError, match="never be edited"):
        decision.comment = "changed"
        decision.save()
    with pytest.raises(RuleBroken):
        set_criterion_state(
            actor=world.pmo, criterion=kickoff_requested.criteria.first(), state="not_met"
        )
    with pytest.raises(RuleBroken):
        approve_gate(actor=world.pmo, gate=kickoff_requested)


def test_rejection_needs_a_reason_and_returns_the_phase_to_work(world, kickoff_requested):
    with pytest.raises(InvalidInput) as refused:
        reject_gate(actor=world.pmo, gate=kickoff_requested, reason="")
    assert refused.value.message == "A rejection needs a reason."
    decision = reject_gate(
        actor=world.pmo, gate=kickoff_requested, reason="Brief is missing the calling hours"
    )
    assert decision.outcome == "rejected"
    assert gate_of("kickoff").status == "rejected"
    assert Phase.objects.get(kind="kickoff").status == "active"


def test_approving_every_gate_walks_the_engagement_to_stabilised(world):
    from tests.registers.support import agree_escalation_path

    start_transition(actor=world.pmo, engagement=world.engagement)
    agree_escalation_path(world)  # controlled go-live needs one (registers)
    statuses = []
    for kind in Phase.ORDER:
        finish_phase(world, kind)
        gate = gate_of(kind)
        meet_criteria_and_attest(world, gate)
        request_gate_decision(actor=world.provider_lead, gate=gate)
        approve_gate(actor=world.pmo, gate=gate)
        statuses.append(Engagement.objects.get().status)
    assert statuses == ["in_transition"] * 4 + ["live", "stabilised"]
    assert set(Phase.objects.values_list("status", flat=True)) == {"complete"}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_pmo_approving_at_once_yield_exactly_one_decision():
    from accounts.models import Membership
    from tests import factories
    from tests.world import build_world

    built = build_world("Concurrent")
    second_pmo = factories.UserFactory()
    Membership.objects.create(user=second_pmo, tenant=built.tenant, role="pmo")
    with tenant_context(built.tenant):
        start_transition(actor=built.pmo, engagement=built.engagement)
        finish_phase(built, "kickoff")
        gate = gate_of("kickoff")
        meet_criteria_and_attest(built, gate)
        request_gate_decision(actor=built.provider_lead, gate=gate)

    barrier = threading.Barrier(2)
    outcomes = []

    def decide(actor):
        try:
            with tenant_context(built.tenant):
                barrier.wait()
                approve_gate(actor=actor, gate=gate, comment=f"by {actor.pk}")
            outcomes.append("approved")
        except RuleBroken as refused:
            outcomes.append(refused.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(actor,)) for actor in (built.pmo, second_pmo)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    with tenant_context(built.tenant):
        assert GateDecision.objects.filter(gate=gate).count() == 1
        assert sorted(outcomes)[0] == "approved"
        # The second waited on the row lock, then found the gate decided.
        assert (
            sorted(outcomes)[1] == "“Kickoff gate” was approved; its record can no longer change."
        )
        assert Event.objects.filter(object_type="gate_decision").count() == 1
        assert Phase.objects.get(kind="transition").status == "active"


def test_criteria_state_must_be_known(world):
    with pytest.raises(InvalidInput):
        set_criterion_state(actor=world.pmo, criterion=GateCriterion.objects.first(), state="maybe")


def test_no_gate_is_decided_while_the_engagement_is_on_hold(world, kickoff_requested):
    from engagements.services import put_on_hold, resume

    finish_phase(world, "kickoff")
    put_on_hold(actor=world.pmo, engagement=world.engagement)
    with pytest.raises(RuleBroken, match="on hold: resume it first"):
        approve_gate(actor=world.pmo, gate=kickoff_requested)
    assert resume(actor=world.pmo, engagement=world.engagement).status == "in_transition"
    assert approve_gate(actor=world.pmo, gate=kickoff_requested).outcome == "approved"


def test_engagement_lifecycle_rules(world):
    from engagements.services import close_engagement, put_on_hold, resume

    with pytest.raises(RuleBroken, match="Only a stabilised engagement"):
        close_engagement(actor=world.pmo, engagement=world.engagement)
    with pytest.raises(RuleBroken, match="Only an engagement on hold"):
        resume(actor=world.pmo, engagement=world.engagement)
    with pytest.raises(NotAllowed):
        put_on_hold(actor=world.provider_lead, engagement=world.engagement)
    put_on_hold(actor=world.pmo, engagement=world.engagement)
    assert resume(actor=world.pmo, engagement=world.engagement).status == "planning"
    put_on_hold(actor=world.pmo, engagement=world.engagement)
    assert close_engagement(actor=world.pmo, engagement=world.engagement).status == "closed"
    with pytest.raises(RuleBroken):
        start_transition(actor=world.pmo, engagement=world.engagement)
