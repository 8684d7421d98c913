"""Gates: criteria, attestations and the PMO decision. No open items go live."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, Phase
from engagements.permissions import (
    can_attest,
    require,
    require_editor,
    require_pmo,
    require_signing_off,
)
from engagements.playbooks import PlaybookDefinition
from engagements.services import (
    advance_after_approval,
    lock_phase_for_work,
    require_work_in_progress,
)
from engagements.signals import plan_checkpoint
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from governance.selectors import four_eyes_refuses, open_items_for_gate, snapshot_criteria
from kernel.errors import InvalidInput, ItemsOpen, RuleBroken, found
from kernel.text import required


class GateHasOpenItems(ItemsOpen):
    """Approval refused: ``items`` lists exactly what is still open."""


def _locked_gate(gate: Gate) -> Gate:
    return found(
        Gate.objects.select_for_update(of=("self",)).select_related("engagement", "phase"),
        "No such gate.",
        pk=gate.pk,
    )


def _refuse_if_decided(gate: Gate) -> None:
    if gate.status == Gate.Status.APPROVED:
        raise RuleBroken(f"“{gate.name}” was approved; its record can no longer change.")


@operation("gate.criterion_set", tenant_of="criterion")
def set_criterion_state(
    *, actor: User, criterion: GateCriterion, state: str, justification: str = ""
) -> GateCriterion:
    """Mark a criterion met or not met; waiving needs PMO and a written justification."""
    gate = _locked_gate(criterion.gate)
    criterion = found(
        GateCriterion.objects.select_for_update(), "No such criterion.", pk=criterion.pk
    )
    criterion.gate = gate
    _refuse_if_decided(gate)
    if state not in GateCriterion.State.values:
        raise InvalidInput(
            f"“{state}” is not a criterion state.",
            errors={"state": ["Choose met, not met or waived."]},
        )
    if state == GateCriterion.State.WAIVED:
        require_pmo(actor=actor, engagement=gate.engagement, doing="waive a gate criterion")
        justification = required(
            justification,
            field="justification",
            message="A waiver needs a written justification.",
            field_message="Explain why this criterion is waived.",
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


@operation("gate.attested", tenant_of="gate")
def attest_gate(*, actor: User, gate: Gate, side: str, comment: str = "") -> GateAttestation:
    """The client lead or the provider lead vouches for the gate on behalf of their side."""
    gate = _locked_gate(gate)
    _refuse_if_decided(gate)
    if side not in GateAttestation.Side.values:
        raise InvalidInput(
            f"“{side}” is not a side that attests.", errors={"side": ["Choose client or provider."]}
        )
    require(
        can_attest(user=actor, gate=gate, side=side),
        f"Only the {side} lead can attest this gate for the {side} side.",
    )
    if GateAttestation.objects.filter(gate=gate, side=side).exists():
        raise RuleBroken(f"The {side} side has already attested “{gate.name}”.")
    attestation = GateAttestation.objects.create(
        tenant_id=gate.tenant_id,
        gate=gate,
        side=side,
        attested_by=actor,
        comment=comment.strip(),
    )
    audit.record_created(actor=actor, instance=attestation)
    return attestation


@operation("gate.requested", tenant_of="gate")
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
    gate.phase.engagement = gate.engagement
    audit.change(actor=actor, instance=gate.phase, status=Phase.Status.AWAITING_DECISION)
    return gate


class FourEyes(RuleBroken):
    """Approval refused: the approver requested the decision and the tenant keeps duties
    separate."""


def _self_approval(*, actor: User, gate: Gate) -> bool:
    """Whether ``actor`` approves a decision they requested: refused while the tenant keeps
    duties separate (the default), recorded as self-approved where it does not."""
    if four_eyes_refuses(gate=gate, user=actor):
        raise FourEyes(
            f"Four eyes: you requested the decision on “{gate.name}”, so another PMO "
            "must approve it."
        )
    return gate.requested_by_id == actor.pk


def _record_decision(
    *, actor: User, gate: Gate, outcome: str, comment: str, self_approved: bool = False
) -> GateDecision:
    try:
        with transaction.atomic():
            decision = GateDecision.objects.create(
                tenant_id=gate.tenant_id,
                gate=gate,
                outcome=outcome,
                decided_by=actor,
                comment=comment,
                criteria_snapshot=snapshot_criteria(gate=gate),
                self_approved=self_approved,
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


@operation("gate.approved", tenant_of="gate")
def approve_gate(*, actor: User, gate: Gate, comment: str = "") -> GateDecision:
    """PMO approves only when every required criterion and attestation is in and no
    milestone of the phase is open; the phase completes and the next one opens.

    Four eyes: whoever requested the decision cannot approve it, unless the tenant turned
    separation of duties off (the decision then records that it was self-approved).
    """
    gate = _locked_gate(gate)
    require_signing_off(actor=actor, engagement=gate.engagement, doing="approve a gate")
    _require_pending_decision(gate)
    # Work added to the phase meanwhile has committed (and is listed below) or waits for
    # this approval and then finds the phase complete.
    lock_phase_for_work(phase=gate.phase)
    self_approved = _self_approval(actor=actor, gate=gate)
    blockers = open_items_for_gate(gate=gate)
    if blockers:
        raise GateHasOpenItems(f"“{gate.name}” cannot be approved; still open", items=blockers)
    decision = _record_decision(
        actor=actor,
        gate=gate,
        outcome=GateDecision.Outcome.APPROVED,
        comment=comment,
        self_approved=self_approved,
    )
    audit.change(actor=actor, instance=gate, status=Gate.Status.APPROVED)
    gate.phase.engagement = gate.engagement
    advance_after_approval(actor=actor, phase=gate.phase)
    plan_checkpoint.send(
        sender=Gate,
        engagement=gate.engagement,
        actor=actor,
        reason="gate_approved",
        label=f"{gate.name} approved",
    )
    return decision


@operation("gate.rejected", tenant_of="gate")
def reject_gate(*, actor: User, gate: Gate, reason: str) -> GateDecision:
    """PMO sends the phase back to work, saying why."""
    gate = _locked_gate(gate)
    require_pmo(actor=actor, engagement=gate.engagement, doing="reject a gate")
    _require_pending_decision(gate)
    reason = required(
        reason,
        field="reason",
        message="A rejection needs a reason.",
        field_message="Say what must change before the gate passes.",
    )
    decision = _record_decision(
        actor=actor, gate=gate, outcome=GateDecision.Outcome.REJECTED, comment=reason
    )
    audit.change(actor=actor, instance=gate, status=Gate.Status.REJECTED)
    gate.phase.engagement = gate.engagement
    audit.change(actor=actor, instance=gate.phase, status=Phase.Status.ACTIVE)
    return decision


# --- Builders (called by transition.services inside its transaction) ---------------------------


def build_gates_from_playbook(
    *, engagement: Engagement, phases: list[Phase], playbook: PlaybookDefinition
) -> tuple[list[Gate], list[GateCriterion]]:
    """A gate at the end of every phase with its criteria, in two inserts (no events)."""
    gates = Gate.objects.bulk_create(
        [
            Gate(
                tenant_id=engagement.tenant_id,
                engagement=engagement,
                phase=phase,
                name=spec.gate.name,
                client_attestation_required=spec.gate.client_attestation_required,
                provider_attestation_required=spec.gate.provider_attestation_required,
            )
            for phase, spec in zip(phases, playbook.phases, strict=True)
        ]
    )
    criteria = GateCriterion.objects.bulk_create(
        [
            GateCriterion(
                tenant_id=engagement.tenant_id,
                gate=gate,
                position=position,
                text=criterion.text,
                required=criterion.required,
            )
            for gate, spec in zip(gates, playbook.phases, strict=True)
            for position, criterion in enumerate(spec.gate.criteria, start=1)
        ]
    )
    return gates, criteria
