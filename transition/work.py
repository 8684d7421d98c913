"""My work: everything waiting on one person across the engagements of a tenant."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import (
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.urls import reverse

from accounts.models import User
from engagements.models import Engagement, EngagementMember, Phase
from governance.models import Gate, GateAttestation
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import ReviewKpiResult
from transition.portfolio import today_for


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting on a person: a milestone, a RAID item, a corrective action or an
    attestation."""

    kind: str
    kind_label: str
    title: str
    detail: str
    engagement: Engagement
    due: datetime.date | None
    overdue: bool
    status: str
    status_label: str
    url: str  # where the work is done: the milestone, the review's miss, the gate's attestation
    public_id: str = ""  # a milestone's, for the bulk bar's checkbox

    @property
    def sort_key(self) -> tuple:
        return (not self.overdue, self.due or datetime.date.max, self.engagement.name, self.title)


def _attestations_waiting(*, actor: User) -> QuerySet[Gate]:
    """Gates of current phases where the actor leads a side whose attestation is required and
    missing; ``client_waiting`` and ``provider_waiting`` say which side."""

    def leads(side: str) -> Exists:
        return Exists(
            EngagementMember._base_manager.filter(
                tenant_id=OuterRef("tenant_id"),
                engagement_id=OuterRef("engagement_id"),
                user=actor,
                side=side,
                role=EngagementMember.Role.LEAD,
            )
        )

    def attested(side: str) -> Exists:
        return Exists(
            GateAttestation._base_manager.filter(
                tenant_id=OuterRef("tenant_id"), gate_id=OuterRef("pk"), side=side
            )
        )

    return (
        Gate.objects.visible_to(actor)
        .filter(phase__status__in=[Phase.Status.ACTIVE, Phase.Status.AWAITING_DECISION])
        .exclude(engagement__status=Engagement.Status.CLOSED)
        .annotate(
            client_waiting=ExpressionWrapper(
                Q(client_attestation_required=True) & Q(leads("client")) & ~Q(attested("client")),
                output_field=models.BooleanField(),
            ),
            provider_waiting=ExpressionWrapper(
                Q(provider_attestation_required=True)
                & Q(leads("provider"))
                & ~Q(attested("provider")),
                output_field=models.BooleanField(),
            ),
        )
        .filter(Q(client_waiting=True) | Q(provider_waiting=True))
        .select_related("engagement", "phase")
    )


def work_of(*, actor: User, today: datetime.date | None = None) -> list[WorkItem]:
    """Everything the actor owns in the active tenant, overdue first, then by due date.

    Open milestones and RAID items they own, corrective actions of missed KPIs they own, and
    gate attestations waiting on them as a side's lead. Four queries, whatever the number of
    items.
    """
    today = today or today_for(actor)
    items = []
    milestones = (
        Milestone.objects.visible_to(actor)
        .filter(owner=actor)
        .filter(status__in=Milestone.OPEN)
        .exclude(engagement__status=Engagement.Status.CLOSED)
        .select_related("engagement", "phase")
    )
    for milestone in milestones:
        items.append(
            WorkItem(
                kind="milestone",
                kind_label="Milestone",
                title=milestone.title,
                detail=f"{milestone.phase.get_kind_display()} phase · "
                f"{milestone.get_side_display()} side",
                engagement=milestone.engagement,
                due=milestone.due_date,
                overdue=milestone.due_date < today,
                status=milestone.status,
                status_label=milestone.get_status_display(),
                url=reverse(
                    "milestones:detail", args=[milestone.engagement.public_id, milestone.public_id]
                ),
                public_id=str(milestone.public_id),
            )
        )
    raid_items = (
        RaidItem.objects.visible_to(actor)
        .filter(owner=actor, status__in=RaidItem.OPEN)
        .exclude(engagement__status=Engagement.Status.CLOSED)
        .select_related("engagement")
    )
    for item in raid_items:
        detail = "RAID register"
        if item.score is not None:
            times = "\N{MULTIPLICATION SIGN}"
            detail += (
                f" · probability {item.probability} {times} impact {item.impact} = {item.score}"
            )
        items.append(
            WorkItem(
                kind="raid_item",
                kind_label=item.get_kind_display(),
                title=item.title,
                detail=detail,
                engagement=item.engagement,
                due=item.due_date,
                overdue=item.due_date < today,
                status=item.status,
                status_label=item.get_status_display(),
                url=reverse("registers:item", args=[item.engagement.public_id, item.public_id]),
            )
        )
    actions = (
        ReviewKpiResult.objects.visible_to(actor)
        .filter(action_owner=actor, outcome=ReviewKpiResult.Outcome.MISSED)
        .exclude(corrective_action="")
        .exclude(review__engagement__status=Engagement.Status.CLOSED)
        .select_related("review__engagement", "kpi")
    )
    for result in actions:
        items.append(
            WorkItem(
                kind="corrective_action",
                kind_label="Corrective action",
                title=result.corrective_action,
                detail=f"{result.kpi.name} missed its target in the day-{result.review.day} review",
                engagement=result.review.engagement,
                due=result.action_due,
                overdue=result.action_due is not None and result.action_due < today,
                status="open",
                status_label="Open",
                url=reverse(
                    "reporting:review",
                    args=[result.review.engagement.public_id, result.review.public_id],
                )
                + f"#miss-{result.public_id}",
            )
        )
    for gate in _attestations_waiting(actor=actor):
        waiting = {"client": gate.client_waiting, "provider": gate.provider_waiting}
        sides = [side for side, waits in waiting.items() if waits]
        items.append(
            WorkItem(
                kind="attestation",
                kind_label="Attestation",
                title=f"Attest “{gate.name}”",
                detail=f"As {' and '.join(sides)} lead · "
                f"{gate.phase.get_kind_display()} phase, {gate.get_status_display().lower()}",
                engagement=gate.engagement,
                due=gate.phase.planned_end,
                overdue=gate.phase.planned_end < today,
                status=gate.status,
                status_label=gate.get_status_display(),
                url=reverse("governance:gate", args=[gate.engagement.public_id, gate.public_id])
                + f"#attest-{sides[0]}",
            )
        )
    return sorted(items, key=lambda item: item.sort_key)


# --- Creating an engagement from a playbook -------------------------------------------------
