from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Tenant, User
from engagements.models import Phase
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from kernel.errors import NotFound
from kernel.registry import gate_criteria
from milestones.models import Milestone

CLOSED_CRITERION_STATES = (GateCriterion.State.MET, GateCriterion.State.WAIVED)


class OpenItem(NamedTuple):
    """One thing standing between a gate and approval, and what it is about.

    ``kind`` is "criterion" (``target`` a GateCriterion), "attestation" (``target`` the side,
    "client" or "provider"), "milestone" (``target`` a Milestone) or "automatic" (a criterion
    a domain checks by itself, from ``kernel.registry.gate_criteria``; ``target`` the
    engagement, ``source`` the ``GateCriterionSource`` that reported it).
    """

    label: str
    kind: str
    target: Any
    source: Any = None


def visible_gates(*, actor: User) -> QuerySet[Gate]:
    return Gate.objects.visible_to(actor).select_related("engagement", "phase")


def get_gate(*, actor: User, public_id: uuid.UUID | str) -> Gate:
    gate = visible_gates(actor=actor).filter(public_id=public_id).first()
    if gate is None:
        raise NotFound("No such gate.")
    return gate


def open_gate_items(*, gate: Gate) -> list[OpenItem]:
    """Everything that still stands between this gate and approval, in reading order."""
    items = [
        OpenItem(f"Criterion not met: {criterion.text}", "criterion", criterion)
        for criterion in GateCriterion.objects.filter(gate=gate, required=True)
        .exclude(state__in=CLOSED_CRITERION_STATES)
        .order_by("position", "id")
    ]
    attested = set(GateAttestation.objects.filter(gate=gate).values_list("side", flat=True))
    if gate.client_attestation_required and "client" not in attested:
        items.append(OpenItem("Attestation missing: client lead", "attestation", "client"))
    if gate.provider_attestation_required and "provider" not in attested:
        items.append(OpenItem("Attestation missing: provider lead", "attestation", "provider"))
    items += [
        OpenItem(
            f"Open milestone: {milestone.title} "
            f"({Milestone.Status(milestone.status).label.lower()})",
            "milestone",
            milestone,
        )
        for milestone in Milestone.objects.filter(phase_id=gate.phase_id)
        .filter(status__in=Milestone.OPEN)
        .only("id", "public_id", "title", "status", "due_date", "engagement_id", "phase_id")
        .order_by("due_date", "id")
    ]
    # Automatic criteria: what each domain checks by itself (e.g. the registers' escalation
    # path before go-live), as it registered in ``kernel.registry.gate_criteria``.
    items += [
        OpenItem(label, "automatic", gate.engagement, source)
        for source in gate_criteria
        for label in source.open_for(engagement=gate.engagement, phase_kind=gate.phase.kind)
    ]
    return items


def open_items_for_gate(*, gate: Gate) -> list[str]:
    """The labels of ``open_gate_items``: what a refused approval lists."""
    return [item.label for item in open_gate_items(gate=gate)]


def four_eyes_refuses(*, gate: Gate, user: User) -> bool:
    """Whether four eyes stops ``user`` approving ``gate``: they requested the decision and
    the tenant keeps duties separate (its policy, on by default)."""
    if gate.requested_by_id is None or gate.requested_by_id != user.pk:
        return False
    return Tenant.objects.filter(pk=gate.tenant_id, separation_of_duties=True).exists()


def snapshot_criteria(*, gate: Gate) -> list[dict]:
    return [
        {"text": c.text, "required": c.required, "state": c.state, "justification": c.justification}
        for c in GateCriterion.objects.filter(gate=gate).order_by("position", "id")
    ]


# --- Pages ------------------------------------------------------------------------------------


def gates_of_engagement(*, actor: User, engagement_id: uuid.UUID | str) -> QuerySet[Gate]:
    """The gates of one visible engagement in phase order, each with its open-item count."""
    return (
        with_open_item_count(visible_gates(actor=actor))
        .filter(engagement__public_id=engagement_id)
        .order_by("phase__position")
    )


def gate_page(*, actor: User, engagement_id: uuid.UUID | str, gate_id: uuid.UUID | str) -> Gate:
    """One gate of one visible engagement, with what its page shows prefetched; else NotFound.

    ``gate.next_phase`` is the phase its approval opens (None for the last).
    """
    gate = (
        visible_gates(actor=actor)
        .filter(engagement__public_id=engagement_id, public_id=gate_id)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=GateCriterion.objects.select_related("decided_by").order_by(
                    "position", "id"
                ),
            ),
            Prefetch(
                "attestations", queryset=GateAttestation.objects.select_related("attested_by")
            ),
            Prefetch(
                "decisions",
                queryset=GateDecision.objects.select_related("decided_by").order_by(
                    "decided_at", "id"
                ),
            ),
            Prefetch(
                "phase__milestones",
                queryset=Milestone.objects.select_related("owner").order_by("due_date", "id"),
            ),
        )
        .first()
    )
    if gate is None:
        raise NotFound("No such gate.")
    gate.next_phase = (
        Phase.objects.filter(engagement_id=gate.engagement_id, position__gt=gate.phase.position)
        .select_related("gate")
        .order_by("position")
        .first()
    )
    return gate


def criterion_of_gate(
    *, actor: User, engagement_id: uuid.UUID | str, gate_id: uuid.UUID | str, criterion_id
) -> GateCriterion:
    """One criterion of a gate of a visible engagement (its gate and engagement loaded)."""
    criterion = (
        GateCriterion.objects.visible_to(actor)
        .filter(
            public_id=criterion_id,
            gate__public_id=gate_id,
            gate__engagement__public_id=engagement_id,
        )
        .select_related("gate__engagement", "gate__phase", "decided_by")
        .first()
    )
    if criterion is None:
        raise NotFound("No such criterion.")
    return criterion


def _count_of(queryset: QuerySet, *, per: str) -> Coalesce:
    """COUNT of ``queryset`` (filtered on ``per`` = OuterRef) as a correlated subquery."""
    counted = queryset.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _missing_attestation(side: str, required_field: str) -> Case:
    attested = GateAttestation.objects.filter(gate=OuterRef("pk"), side=side)
    return Case(
        When(Q(**{required_field: True}) & ~Exists(attested), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def with_open_item_count(gates: QuerySet[Gate]) -> QuerySet[Gate]:
    """Annotate ``open_items``: what ``open_items_for_gate`` would list, counted in SQL."""
    unmet = GateCriterion.objects.filter(gate=OuterRef("pk"), required=True).exclude(
        state__in=CLOSED_CRITERION_STATES
    )
    open_milestones = Milestone.objects.filter(phase_id=OuterRef("phase_id")).exclude(
        status__in=Milestone.CLOSED
    )
    return gates.annotate(
        open_criteria=_count_of(unmet, per="gate_id"),
        open_milestones=_count_of(open_milestones, per="phase_id"),
        missing_attestations=_missing_attestation("client", "client_attestation_required")
        + _missing_attestation("provider", "provider_attestation_required"),
    ).annotate(open_items=F("open_criteria") + F("open_milestones") + F("missing_attestations"))


def pmo_queue(*, actor: User) -> QuerySet[Gate]:
    """Every gate of the actor's visible engagements awaiting a decision, oldest request first."""
    return (
        with_open_item_count(visible_gates(actor=actor))
        .filter(status=Gate.Status.REQUESTED)
        .select_related("requested_by")
        .order_by("requested_at", "id")
    )
