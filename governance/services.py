"""Gates: criteria, attestations and the PMO decision. No open items go live."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from bpo_transition.errors import InvalidInput, ItemsOpen, NotAllowed, RuleBroken
from engagements import selectors as engagement_selectors
from engagements.models import EngagementMember, Phase
from engagements.services import (
    advance_after_approval,
    require_editor,
    require_pmo,
    require_work_in_progress,
)
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from governance.selectors import open_items_for_gate, snapshot_criteria


class GateHasOpenItems(ItemsOpen):
    """Approval refused: ``items`` lists exactly what is still open."""


def _locked_gate(gate: Gate) -> Gate:
    return Gate.objects.select_for_update().select_related("engagement", "phase").get(pk=gate.pk)


def _refuse_if_decided(gate: Gate) -> None:
    if gate.status == Gate.Status.APPROVED:
        raise RuleBroken(f"“{gate.name}” was approved; its record can no longer change.")


@transaction.atomic
def set_criterion_state(
    *, actor: User, criterion: GateCriterion, state: str, justification: str = ""
) -> GateCriterion:
    """Mark a criterion met or not met; waiving needs PMO and a written justification."""
    criterion = GateCriterion.objects.select_for_update().get(pk=criterion.pk)
    gate = _locked_gate(criterion.gate)
    _refuse_if_decided(gate)
    if state not in GateCriterion.State.values:
        raise InvalidInput(
            f"“{state}” is not a criterion state.",
            errors={"state": ["Choose met, not met or waived."]},
        )
    if state == GateCriterion.State.WAIVED:
        require_pmo(actor=actor, engagement=gate.engagement, doing="waive a gate criterion")
        if not justification.strip():
            raise InvalidInput(
                "A waiver needs a written justification.",
                errors={"justification": ["Explain why this criterion is waived."]},
            )
    else:
        require_editor(actor=actor, engagement=gate.engagement)
    audit.change(
        actor=actor,
        instance=criterion,
        state=state,
        justification=justification.strip(),
        decided_by=actor,
        decided_at=timezone.now(),
    )
    return criterion


@transaction.atomic
def attest_gate(*, actor: User, gate: Gate, side: str, comment: str = "") -> GateAttestation:
    """The client lead or the provider lead vouches for the gate on behalf of their side."""
    gate = _locked_gate(gate)
    _refuse_if_decided(gate)
    if side not in GateAttestation.Side.values:
        raise InvalidInput(
            f"“{side}” is not a side that attests.", errors={"side": ["Choose client or provider."]}
        )
    seat = engagement_selectors.seat_of(actor=actor, engagement=gate.engagement)
    if seat is None or seat.side != side or seat.role != EngagementMember.Role.LEAD:
        raise NotAllowed(f"Only the {side} lead can attest this gate for the {side} side.")
    if GateAttestation.objects.filter(gate=gate, side=side).exists():
        raise RuleBroken(f"The {side} side has already attested “{gate.name}”.")
    attestation = GateAttestation.objects.create(
        tenant_id=gate.tenant_id, gate=gate, side=side, attested_by=actor, comment=comment
    )
    audit.record_created(actor=actor, instance=attestation)
    return attestation


@transaction.atomic
def request_gate_decision(*, actor: User, gate: Gate) -> Gate:
    """Ask PMO to decide: the phase waits for the decision."""
    gate = _locked_gate(gate)
    require_editor(actor=actor, engagement=gate.engagement)
    require_work_in_progress(engagement=gate.engagement)
    if gate.phase.status != Phase.Status.ACTIVE:
        raise RuleBroken(
            f"A decision can be requested only while the "
            f"{gate.phase.get_kind_display()} phase is active; it is "
            f"{gate.phase.get_status_display().lower()}."
        )
    audit.change(
        actor=actor,
        instance=gate,
        status=Gate.Status.REQUESTED,
        requested_at=timezone.now(),
        requested_by=actor,
    )
    audit.change(actor=actor, instance=gate.phase, status=Phase.Status.AWAITING_DECISION)
    return gate


def _record_decision(*, actor: User, gate: Gate, outcome: str, comment: str) -> GateDecision:
    try:
        with transaction.atomic():
            decision = GateDecision.objects.create(
                tenant_id=gate.tenant_id,
                gate=gate,
                outcome=outcome,
                decided_by=actor,
                comment=comment,
                criteria_snapshot=snapshot_criteria(gate=gate),
            )
    except IntegrityError as clash:
        raise RuleBroken(f"“{gate.name}” has already been approved.") from clash
    audit.record_created(actor=actor, instance=decision)
    return decision


def _require_pending_decision(gate: Gate) -> None:
    _refuse_if_decided(gate)
    require_work_in_progress(engagement=gate.engagement)
    if gate.status != Gate.Status.REQUESTED:
        raise RuleBroken(f"No decision has been requested for “{gate.name}”.")


@transaction.atomic
def approve_gate(*, actor: User, gate: Gate, comment: str = "") -> GateDecision:
    """PMO approves only when every required criterion and attestation is in and no
    milestone of the phase is open; the phase completes and the next one opens."""
    gate = _locked_gate(gate)
    require_pmo(actor=actor, engagement=gate.engagement, doing="approve a gate")
    _require_pending_decision(gate)
    blockers = open_items_for_gate(gate=gate)
    if blockers:
        raise GateHasOpenItems(f"“{gate.name}” cannot be approved; still open", items=blockers)
    decision = _record_decision(
        actor=actor, gate=gate, outcome=GateDecision.Outcome.APPROVED, comment=comment
    )
    audit.change(actor=actor, instance=gate, status=Gate.Status.APPROVED)
    advance_after_approval(actor=actor, phase=gate.phase)
    return decision


@transaction.atomic
def reject_gate(*, actor: User, gate: Gate, reason: str) -> GateDecision:
    """PMO sends the phase back to work, saying why."""
    gate = _locked_gate(gate)
    require_pmo(actor=actor, engagement=gate.engagement, doing="reject a gate")
    _require_pending_decision(gate)
    if not reason.strip():
        raise InvalidInput(
            "A rejection needs a reason.",
            errors={"reason": ["Say what must change before the gate passes."]},
        )
    decision = _record_decision(
        actor=actor, gate=gate, outcome=GateDecision.Outcome.REJECTED, comment=reason.strip()
    )
    audit.change(actor=actor, instance=gate, status=Gate.Status.REJECTED)
    audit.change(actor=actor, instance=gate.phase, status=Phase.Status.ACTIVE)
    return decision
