from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import User
from bpo_transition.errors import NotFound
from governance.models import Gate, GateAttestation, GateCriterion
from milestones.models import Milestone
from registers.selectors import automatic_criteria_open


def visible_gates(*, actor: User) -> QuerySet[Gate]:
    return Gate.objects.visible_to(actor).select_related("engagement", "phase")


def get_gate(*, actor: User, public_id: uuid.UUID | str) -> Gate:
    gate = visible_gates(actor=actor).filter(public_id=public_id).first()
    if gate is None:
        raise NotFound("No such gate.")
    return gate


def open_items_for_gate(*, gate: Gate) -> list[str]:
    """Everything that still stands between this gate and approval, in reading order."""
    items = [
        f"Criterion not met: {criterion.text}"
        for criterion in GateCriterion.objects.filter(gate=gate, required=True)
        .exclude(state__in=[GateCriterion.State.MET, GateCriterion.State.WAIVED])
        .order_by("position", "id")
    ]
    attested = set(GateAttestation.objects.filter(gate=gate).values_list("side", flat=True))
    if gate.client_attestation_required and "client" not in attested:
        items.append("Attestation missing: client lead")
    if gate.provider_attestation_required and "provider" not in attested:
        items.append("Attestation missing: provider lead")
    items += [
        f"Open milestone: {title} ({Milestone.Status(status).label.lower()})"
        for title, status in Milestone.objects.filter(phase_id=gate.phase_id)
        .filter(status__in=Milestone.OPEN)
        .order_by("due_date", "id")
        .values_list("title", "status")
    ]
    # --- registers: automatic criteria (escalation path before controlled go-live) ---
    items += automatic_criteria_open(engagement=gate.engagement, phase_kind=gate.phase.kind)
    return items


def snapshot_criteria(*, gate: Gate) -> list[dict]:
    return [
        {"text": c.text, "required": c.required, "state": c.state, "justification": c.justification}
        for c in GateCriterion.objects.filter(gate=gate).order_by("position", "id")
    ]
