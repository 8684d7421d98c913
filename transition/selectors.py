"""Reads that span apps: what a page about a whole engagement needs, in a fixed number of
queries."""

from __future__ import annotations

import datetime
import uuid

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from audit.models import Event
from bpo_transition.errors import NotFound
from engagements.models import Engagement, EngagementMember, Phase
from engagements.selectors import visible_engagements
from milestones.models import Milestone

# What a milestone row shows and its inline forms send back; the rest stays in the database.
MILESTONE_ROW_FIELDS = (
    "public_id",
    "tenant_id",
    "engagement_id",
    "phase_id",
    "title",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "side",
    "due_date",
    "status",
    "evidence",
    "evidence_link",
    "evidence_required",
    "version",
)


def engagement_overview(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """One visible engagement with its phases (and gates) and its team; NotFound otherwise.

    Its milestones are read apart (``engagement_milestones``) so that a page can filter them.
    """
    engagement = (
        visible_engagements(actor=actor)
        .filter(public_id=public_id)
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.select_related("gate").order_by("position"),
            ),
            Prefetch(
                "members",
                queryset=EngagementMember.objects.select_related("user").order_by(
                    "side", "role", "user__first_name", "user__last_name", "id"
                ),
            ),
        )
        .first()
    )
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement


def engagement_milestones(*, engagement: Engagement) -> QuerySet[Milestone]:
    """Every milestone of the engagement with its owner, in due order: one query."""
    return (
        Milestone.objects.filter(engagement=engagement)
        .select_related("owner")
        .only(*MILESTONE_ROW_FIELDS)
        .order_by("due_date", "id")
    )


def planned_gate_dates(*, engagement: Engagement) -> dict[int, datetime.date]:
    """The end each phase had when the plan was made (its gate's baseline date), by phase id.

    Read from the audit trail: a rescheduled gate keeps its first date there, so a page can
    show how far it slipped. One query, whatever the number of reschedules.
    """
    phase_ids = {str(phase.public_id): phase.pk for phase in engagement.phases.all()}
    baselines = {}
    for object_id, planned_end in Event.objects.filter(
        engagement_id=engagement.pk,
        object_type=Phase.AUDIT_TYPE,
        action=Event.Action.CREATED,
    ).values_list("object_id", "snapshot__planned_end"):
        if object_id in phase_ids and planned_end:
            baselines[phase_ids[object_id]] = datetime.date.fromisoformat(planned_end)
    return baselines
