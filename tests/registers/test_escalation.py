"""The escalation path (checked before controlled go-live) and the decision rights."""

import pytest

from audit.selectors import history_of
from engagements.services import start_transition
from governance.models import Gate, GateDecision
from governance.selectors import open_items_for_gate
from governance.services import GateHasOpenItems, approve_gate, request_gate_decision
from kernel.errors import InvalidInput, NotAllowed, NotFound, StaleVersion
from registers.decision_rights import (
    create_decision_right,
    remove_decision_right,
    update_decision_right,
)
from registers.escalation import (
    add_escalation_level,
    remove_escalation_level,
    update_escalation_level,
)
from registers.models import DecisionRight, EscalationLevel
from registers.selectors import automatic_criteria, automatic_criteria_open
from tests.registers.support import agree_escalation_path
from tests.world import finish_phase, meet_criteria_and_attest, pass_gate

CRITERION = "Automatic: an escalation path with at least two levels"


def level(world, name="Team leads", hours=4, actor=None, **contacts):
    return add_escalation_level(
        actor=actor or world.pmo,
        engagement=world.engagement,
        name=name,
        client_contact=contacts.get("client", world.client_lead),
        provider_contact=contacts.get("provider", world.provider_lead),
        response_hours=hours,
    )


def levels() -> list[tuple[int, str]]:
    return list(EscalationLevel.objects.order_by("level").values_list("level", "name"))


# --- The escalation path ---------------------------------------------------------------------


def test_levels_are_numbered_in_the_order_they_are_added(world):
    level(world, "Team leads", 4)
    level(world, "Operations managers", 24, actor=world.client_lead)
    level(world, "Executive sponsors", 72, actor=world.provider_lead)
    assert levels() == [(1, "Team leads"), (2, "Operations managers"), (3, "Executive sponsors")]


def test_each_contact_sits_on_their_own_side(world):
    with pytest.raises(InvalidInput) as refused:
        level(world, client=world.provider_staff)
    assert refused.value.errors == {"client_contact": ["Choose a member of the client side."]}
    with pytest.raises(InvalidInput) as refused:
        level(world, client=None)
    assert "client_contact" in refused.value.errors
    assert levels() == []


def test_a_level_has_a_name_and_a_response_time_in_hours(world):
    with pytest.raises(InvalidInput) as refused:
        level(world, name="  ")
    assert list(refused.value.errors) == ["name"]
    for hours in (0, 721, None, "soon"):
        with pytest.raises(InvalidInput) as refused:
            level(world, hours=hours)
        assert list(refused.value.errors) == ["response_hours"]
    assert levels() == []


def test_only_pmo_and_the_leads_change_the_path(world):
    first = level(world)
    for actor, refusal in ((world.provider_staff, NotAllowed), (world.bystander, NotFound)):
        with pytest.raises(refusal):
            level(world, "Managers", actor=actor)
        with pytest.raises(refusal):
            update_escalation_level(actor=actor, level=first, response_hours=1)
        with pytest.raises(refusal):
            remove_escalation_level(actor=actor, level=first)
    assert EscalationLevel.objects.get().response_hours == 4


def test_removing_a_level_moves_the_ones_above_down(world):
    level(world, "Team leads")
    middle = level(world, "Operations managers", 24)
    top = level(world, "Executive sponsors", 72)
    remove_escalation_level(actor=world.pmo, level=middle)
    assert levels() == [(1, "Team leads"), (2, "Executive sponsors")]
    events = list(history_of(instance=top))
    assert events[-1].changes["level"] == [3, 2]
    assert events[-1].note == "Level 2 was removed"
    assert [e.action for e in history_of(instance=middle)] == ["created", "deleted"]


def test_a_level_edit_is_versioned_and_audited(world):
    first = level(world)
    update_escalation_level(
        actor=world.client_lead, level=first, response_hours=2, expected_version=1
    )
    with pytest.raises(StaleVersion):
        update_escalation_level(actor=world.pmo, level=first, name="Stale", expected_version=1)
    stored = EscalationLevel.objects.get()
    assert (stored.name, stored.response_hours, stored.version) == ("Team leads", 2, 2)
    events = list(history_of(instance=first))
    assert [(e.operation, e.actor) for e in events] == [
        ("escalation.level_added", world.pmo),
        ("escalation.level_updated", world.client_lead),
    ]
    assert events[1].changes["response_hours"] == [4, 2]


# --- The controlled go-live gate checks the path ----------------------------------------------


def test_the_criterion_applies_to_the_controlled_go_live_gate_only(world):
    assert automatic_criteria_open(engagement=world.engagement, phase_kind="tooling") == []
    assert automatic_criteria_open(
        engagement=world.engagement, phase_kind="controlled_go_live"
    ) == [f"{CRITERION} (none so far)"]
    level(world)
    [criterion] = automatic_criteria(engagement=world.engagement, phase_kind="controlled_go_live")
    assert (criterion.met, criterion.detail) == (False, "1 so far")
    level(world, "Managers")
    [criterion] = automatic_criteria(engagement=world.engagement, phase_kind="controlled_go_live")
    assert (criterion.met, criterion.detail) == (True, "2 levels")


def test_go_live_is_refused_with_a_one_level_path_and_approved_with_two(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    for kind in ("kickoff", "transition", "access", "tooling"):
        pass_gate(world, kind)
    agree_escalation_path(world, levels=1)
    finish_phase(world, "controlled_go_live")
    gate = Gate.objects.select_related("phase", "engagement").get(phase__kind="controlled_go_live")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)

    with pytest.raises(GateHasOpenItems) as refused:
        approve_gate(actor=world.pmo, gate=gate, comment="Ready")
    # Everything else is done: the path is the one open item, named.
    assert refused.value.items == [f"{CRITERION} (1 so far)"]
    assert CRITERION in refused.value.message
    assert not GateDecision.objects.filter(gate=gate).exists()
    assert Gate.objects.get(pk=gate.pk).status == "requested"

    level(world, "Operations managers", 24)
    assert open_items_for_gate(gate=gate) == []
    decision = approve_gate(actor=world.pmo, gate=gate, comment="Ready")
    assert decision.outcome == "approved"
    assert Gate.objects.get(pk=gate.pk).status == "approved"


# --- Decision rights -------------------------------------------------------------------------


def test_a_decision_right_says_who_approves(world):
    right = create_decision_right(
        actor=world.client_lead,
        engagement=world.engagement,
        area="Scope changes",
        approver_side="client",
        consulted="Provider lead",
        informed="PMO, finance",
    )
    assert right.approver_label == "Client lead"
    named = create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="Go-live", approver=world.pmo
    )
    assert named.approver_label == str(world.pmo)
    joint = create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="Process changes", approver_side="joint"
    )
    assert joint.approver_label == "Client and provider leads"


def test_a_decision_right_needs_an_area_and_an_approver(world):
    with pytest.raises(InvalidInput) as refused:
        create_decision_right(actor=world.pmo, engagement=world.engagement, area=" ")
    assert list(refused.value.errors) == ["area"]
    with pytest.raises(InvalidInput) as refused:
        create_decision_right(actor=world.pmo, engagement=world.engagement, area="Access")
    assert list(refused.value.errors) == ["approver_side"]
    create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="Access", approver_side="client"
    )
    with pytest.raises(InvalidInput) as refused:
        create_decision_right(
            actor=world.pmo, engagement=world.engagement, area="access", approver_side="pmo"
        )
    assert list(refused.value.errors) == ["area"]
    assert DecisionRight.objects.count() == 1


def test_only_pmo_and_the_leads_change_decision_rights(world):
    right = create_decision_right(
        actor=world.provider_lead,
        engagement=world.engagement,
        area="Staffing changes",
        approver_side="provider",
    )
    with pytest.raises(NotAllowed):
        create_decision_right(
            actor=world.client_staff,
            engagement=world.engagement,
            area="KPI targets",
            approver_side="client",
        )
    with pytest.raises(NotAllowed):
        update_decision_right(actor=world.provider_staff, right=right, informed="Everyone")
    with pytest.raises(NotFound):
        remove_decision_right(actor=world.bystander, right=right)
    assert DecisionRight.objects.get().informed == ""


def test_decision_right_changes_are_versioned_and_audited(world):
    right = create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="KPI targets", approver_side="pmo"
    )
    update_decision_right(actor=world.pmo, right=right, consulted="Both leads", expected_version=1)
    with pytest.raises(StaleVersion):
        update_decision_right(actor=world.pmo, right=right, consulted="Stale", expected_version=1)
    remove_decision_right(actor=world.client_lead, right=right)
    assert not DecisionRight.objects.exists()
    events = list(history_of(instance=right))
    assert [(e.operation, e.action) for e in events] == [
        ("decision_right.created", "created"),
        ("decision_right.updated", "updated"),
        ("decision_right.removed", "deleted"),
    ]
    assert events[1].changes["consulted"] == ["", "Both leads"]
