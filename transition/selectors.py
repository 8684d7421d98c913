"""Reads that span apps: what a page about a whole engagement needs, in a fixed number of
queries, and what administering one shows before it changes anything."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
)

from accounts.models import User
from audit.models import Event
from engagements.models import Engagement, EngagementMember, Phase
from engagements.plan import phase_shift
from engagements.selectors import visible_engagements
from kernel.errors import NotFound
from milestones.models import EvidenceFile, Milestone
from reporting.models import Review
from transition.models import Invitation

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


# --- Rescheduling a phase ----------------------------------------------------------------------
# (The portfolio lives in transition/portfolio.py, my work in transition/work.py, the plan
# preview of a new engagement in transition/planning.py.)


@dataclass(frozen=True)
class DateMove:
    label: str
    before: datetime.date
    after: datetime.date


@dataclass(frozen=True)
class PhaseMove:
    label: str
    start_before: datetime.date
    end_before: datetime.date
    start_after: datetime.date
    end_after: datetime.date


@dataclass(frozen=True)
class ReschedulePreview:
    phase: Phase
    planned_end: datetime.date
    phases: list[PhaseMove]
    milestones: list[DateMove]
    go_live: DateMove | None
    reviews: list[DateMove]

    @property
    def days(self) -> int:
        return (self.planned_end - self.phase.planned_end).days

    @property
    def distance(self) -> int:
        return abs(self.days)

    @property
    def later(self) -> bool:
        return self.days > 0


def reschedule_preview(*, phase: Phase, planned_end: datetime.date) -> ReschedulePreview:
    """What ``reschedule_phase`` would move, computed without writing: the phase's end, every
    later phase and the open milestones in them, the target go-live when it lay after the old
    end, and (reviews anchored on go-live) the reviews not yet published."""
    engagement = phase.engagement
    shift = phase_shift(phase=phase, planned_end=planned_end)
    if not shift:
        return ReschedulePreview(phase, planned_end, [], [], None, [])
    phases = [
        PhaseMove(
            phase.get_kind_display(),
            phase.planned_start,
            phase.planned_end,
            phase.planned_start,
            planned_end,
        )
    ]
    later = list(
        Phase.objects.filter(engagement=engagement, position__gt=phase.position).order_by(
            "position"
        )
    )
    phases += [
        PhaseMove(
            later_phase.get_kind_display(),
            later_phase.planned_start,
            later_phase.planned_end,
            shift.moved(later_phase.planned_start),
            shift.moved(later_phase.planned_end),
        )
        for later_phase in later
    ]
    milestones = [
        DateMove(milestone.title, milestone.due_date, shift.moved(milestone.due_date))
        for milestone in Milestone.objects.filter(phase__in=later)
        .filter(status__in=Milestone.OPEN)
        .order_by("due_date", "id")
    ]
    go_live, reviews = None, []
    if shift.moves_go_live:
        go_live = DateMove("Target go-live", engagement.target_go_live, shift.new_go_live)
        if shift.moves_reviews:
            for review in Review.objects.filter(
                engagement=engagement, status=Review.Status.SCHEDULED
            ).order_by("day"):
                moved_to = shift.review_on(review.day)
                if moved_to != review.scheduled_on:
                    reviews.append(DateMove(review.title, review.scheduled_on, moved_to))
    return ReschedulePreview(phase, planned_end, phases, milestones, go_live, reviews)


def waiting_invitations() -> QuerySet[Invitation]:
    """The active tenant's invitations not yet accepted or cancelled (expired ones too, so
    that an admin sees why someone could not join)."""
    return (
        Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def engagement_milestones(*, engagement: Engagement) -> QuerySet[Milestone]:
    """Every milestone of the engagement with its owner, in due order: one query."""
    return (
        Milestone.objects.filter(engagement=engagement)
        .select_related("owner")
        .only(*MILESTONE_ROW_FIELDS)
        .annotate(has_files=Exists(EvidenceFile.objects.filter(milestone=OuterRef("pk"))))
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
