"""Reads that span apps: what a page about a whole engagement needs, in a fixed number of
queries."""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models
from django.db.models import (
    Exists,
    ExpressionWrapper,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from audit.models import Event
from bpo_transition.errors import NotFound
from engagements.models import Engagement, EngagementMember, Phase, Playbook
from engagements.playbooks import PlaybookDefinition, builtin_playbooks, parse_definition
from engagements.selectors import visible_engagements
from engagements.services import day
from governance.models import Gate, GateAttestation
from milestones.models import Milestone
from reporting.models import Review, ReviewKpiResult
from transition.health import engagement_health
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


# --- Portfolio, my work, planning and administration pages (issue 7) ------------------------


def today_for(user: User) -> datetime.date:
    """Today where the person reading is: 'overdue' means overdue on their calendar."""
    zone = getattr(user, "time_zone", None) or "UTC"
    try:
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
    except zoneinfo.ZoneInfoNotFoundError:
        return timezone.localdate()


def _counted(model: type[models.Model], condition: Q) -> Subquery:
    """``(SELECT COUNT(*) FROM model WHERE tenant = outer.tenant AND engagement = outer.id AND
    condition)``: one number per engagement row, 0 when nothing matches, no GROUP BY.

    Bounded by the outer row's tenant and id, so it reads one engagement's rows through the
    (tenant, engagement, ...) indexes; the plain base manager because the outer rows are the
    scoped ones.
    """
    matching = (
        model._base_manager.filter(
            condition, tenant_id=OuterRef("tenant_id"), engagement_id=OuterRef("pk")
        )
        .order_by()
        .annotate(counted=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("counted")
    )
    return Subquery(matching, output_field=IntegerField())


def _next_open_phase(field: str, output_field: models.Field) -> Subquery:
    """A field of the engagement's first phase that is not complete: the current phase (active
    or awaiting its gate decision) or, before the transition starts, the first one."""
    phases = (
        Phase._base_manager.filter(tenant_id=OuterRef("tenant_id"), engagement_id=OuterRef("pk"))
        .exclude(status=Phase.Status.COMPLETE)
        .order_by("position")
        .values(field)[:1]
    )
    return Subquery(phases, output_field=output_field)


def portfolio_rows(*, actor: User, today: datetime.date | None = None) -> QuerySet[Engagement]:
    """Every engagement the actor may see, by name, each annotated in the same query with

    - ``total_milestones`` (not cancelled), ``done_milestones``, ``overdue_milestones`` (open
      and due before ``today``);
    - the next open phase: ``next_phase_kind``, ``next_phase_status``, and its gate:
      ``next_gate_name``, ``next_gate_status``, ``next_gate_due`` (the phase's planned end).

    Every annotation is a correlated subquery bound to the row's tenant and id, so filtering,
    sorting and paging run in the database and a page costs the same queries whatever its size.
    """
    today = today or today_for(actor)
    is_open = ~Q(status__in=Milestone.CLOSED)
    return (
        visible_engagements(actor=actor)
        .annotate(
            total_milestones=_counted(Milestone, ~Q(status=Milestone.Status.CANCELLED)),
            done_milestones=_counted(Milestone, Q(status=Milestone.Status.DONE)),
            overdue_milestones=_counted(Milestone, is_open & Q(due_date__lt=today)),
            next_phase_kind=_next_open_phase("kind", models.CharField()),
            next_phase_status=_next_open_phase("status", models.CharField()),
            next_gate_name=_next_open_phase("gate__name", models.CharField()),
            next_gate_status=_next_open_phase("gate__status", models.CharField()),
            next_gate_due=_next_open_phase("planned_end", models.DateField()),
        )
        .order_by("name", "id")
    )


def describe_portfolio_rows(
    *, actor: User, rows: Iterable[Engagement], today: datetime.date | None = None
) -> list[Engagement]:
    """Give each row of one page what the page shows beyond its annotations: ``health``,
    ``progress`` (percent done, None without milestones), ``day_number`` since signature, the
    labels of its next phase and gate. One query for the whole page: the actor's seats, so
    that asking whether they may manage each engagement costs nothing more."""
    today = today or today_for(actor)
    rows = list(rows)
    seats = {
        seat.engagement_id: seat
        for seat in EngagementMember.objects.filter(
            user=actor, engagement_id__in=[row.pk for row in rows]
        ).only("id", "side", "role", "user_id", "engagement_id")
    }
    for row in rows:
        row.__dict__.setdefault("_seat_cache", {})[actor.pk] = seats.get(row.pk)
        row.health = engagement_health(
            status=row.status,
            overdue_milestones=row.overdue_milestones,
            next_gate_name=row.next_gate_name,
            next_gate_due=row.next_gate_due,
            today=today,
        )
        row.progress = (
            round(100 * row.done_milestones / row.total_milestones)
            if row.total_milestones
            else None
        )
        row.day_number = (today - row.contract_signed_on).days
        row.starts_in_days = max(0, -row.day_number)
        row.next_phase_label = (
            Phase.Kind(row.next_phase_kind).label if row.next_phase_kind else None
        )
        row.next_phase_status_label = (
            Phase.Status(row.next_phase_status).label if row.next_phase_status else None
        )
        row.next_gate_status_label = (
            Gate.Status(row.next_gate_status).label if row.next_gate_status else None
        )
    return rows


def tenant_has_engagements(*, actor: User) -> bool:
    return visible_engagements(actor=actor).exists()


# --- My work ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting on a person: a milestone, a corrective action or an attestation."""

    kind: str
    kind_label: str
    title: str
    detail: str
    engagement: Engagement
    due: datetime.date | None
    overdue: bool
    status: str
    status_label: str

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

    Open milestones they own, corrective actions of missed KPIs they own, and gate
    attestations waiting on them as a side's lead. Three queries, whatever the number of items.
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
            )
        )
    actions = (
        ReviewKpiResult.objects.visible_to(actor)
        .filter(action_owner=actor, met=False)
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
            )
        )
    return sorted(items, key=lambda item: item.sort_key)


# --- Creating an engagement from a playbook -------------------------------------------------


@dataclass(frozen=True)
class PlaybookChoice:
    value: str
    origin: str
    definition: PlaybookDefinition


def playbook_choices() -> list[PlaybookChoice]:
    """The shipped playbooks and the active tenant's own copies, shipped first.

    A tenant copy may keep its shipped key, so a choice is named by where it comes from too.
    """
    choices = [
        PlaybookChoice(f"shipped:{key}", "Shipped", definition)
        for key, definition in builtin_playbooks().items()
    ]
    for playbook in Playbook.objects.order_by("name", "id"):
        choices.append(
            PlaybookChoice(
                f"tenant:{playbook.public_id}",
                "Your copy",
                parse_definition({**playbook.definition, "key": playbook.key}),
            )
        )
    return choices


def tenant_people(*, tenant: Tenant) -> QuerySet[Membership]:
    """The tenant's members, by name (owners, engagement seats and the members page)."""
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


@dataclass(frozen=True)
class PlannedMilestone:
    title: str
    owner: User
    side: str
    due: datetime.date


@dataclass(frozen=True)
class PlannedPhase:
    kind: str
    label: str
    start: datetime.date
    end: datetime.date
    milestones: list[PlannedMilestone]
    gate_name: str
    criteria: int
    attestations: list[str]


@dataclass(frozen=True)
class PlannedReview:
    day: int
    title: str
    scheduled_on: datetime.date


@dataclass(frozen=True)
class PlanPreview:
    contract_signed_on: datetime.date
    target_go_live: datetime.date
    review_anchor: str
    phases: list[PlannedPhase]
    reviews: list[PlannedReview]
    kpis: list[str]

    @property
    def milestone_count(self) -> int:
        return sum(len(phase.milestones) for phase in self.phases)


def plan_preview(
    *,
    playbook: PlaybookDefinition,
    contract_signed_on: datetime.date,
    owners: Mapping[str, User],
    target_go_live: datetime.date | None = None,
) -> PlanPreview:
    """The dates and owners ``create_engagement_from_playbook`` would write, computed from the
    definition without writing anything (the same day arithmetic as the builders)."""
    go_live = target_go_live or day(contract_signed_on, playbook.go_live_day)
    anchor = go_live if playbook.review_anchor == "go_live" else contract_signed_on
    sides = dict(Milestone.Side.choices)
    phases = [
        PlannedPhase(
            kind=phase.kind,
            label=Phase.Kind(phase.kind).label,
            start=day(contract_signed_on, phase.start_day),
            end=day(contract_signed_on, phase.end_day),
            milestones=[
                PlannedMilestone(
                    title=item.title,
                    owner=owners.get(item.owner_role),
                    side=sides.get(item.side, item.side),
                    due=day(contract_signed_on, item.due_day),
                )
                for item in sorted(phase.milestones, key=lambda item: item.due_day)
            ],
            gate_name=phase.gate.name,
            criteria=len(phase.gate.criteria),
            attestations=[
                side
                for side, required in (
                    ("client lead", phase.gate.client_attestation_required),
                    ("provider lead", phase.gate.provider_attestation_required),
                )
                if required
            ],
        )
        for phase in playbook.phases
    ]
    reviews = [
        PlannedReview(review.day, review.title, day(anchor, review.day))
        for review in sorted(playbook.reviews, key=lambda review: review.day)
    ]
    return PlanPreview(
        contract_signed_on=contract_signed_on,
        target_go_live=go_live,
        review_anchor="go-live" if playbook.review_anchor == "go_live" else "contract signature",
        phases=phases,
        reviews=reviews,
        kpis=[kpi.name for kpi in playbook.kpis],
    )


# --- Engagement administration --------------------------------------------------------------


def engagement_for_admin(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """One visible engagement with its seats (and their people) and its phases (and gates)."""
    engagement = (
        visible_engagements(actor=actor)
        .filter(public_id=public_id)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=EngagementMember.objects.select_related("user").order_by(
                    "side", "role", "user__first_name", "user__username"
                ),
            ),
            Prefetch("phases", queryset=Phase.objects.select_related("gate").order_by("position")),
        )
        .first()
    )
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement


def get_member(*, engagement: Engagement, public_id: uuid.UUID | str) -> EngagementMember:
    member = (
        EngagementMember.objects.filter(engagement=engagement, public_id=public_id)
        .select_related("user", "engagement")
        .first()
    )
    if member is None:
        raise NotFound("No such member.")
    return member


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
    shift = planned_end - phase.planned_end
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
            later_phase.planned_start + shift,
            later_phase.planned_end + shift,
        )
        for later_phase in later
    ]
    milestones = [
        DateMove(milestone.title, milestone.due_date, milestone.due_date + shift)
        for milestone in Milestone.objects.filter(phase__in=later)
        .filter(status__in=Milestone.OPEN)
        .order_by("due_date", "id")
    ]
    go_live, reviews = None, []
    if engagement.target_go_live > phase.planned_end:
        new_go_live = engagement.target_go_live + shift
        go_live = DateMove("Target go-live", engagement.target_go_live, new_go_live)
        if engagement.review_anchor == Engagement.ReviewAnchor.GO_LIVE:
            for review in Review.objects.filter(
                engagement=engagement, status=Review.Status.SCHEDULED
            ).order_by("day"):
                moved_to = day(new_go_live, review.day)
                if moved_to != review.scheduled_on:
                    reviews.append(DateMove(review.title, review.scheduled_on, moved_to))
    return ReschedulePreview(phase, planned_end, phases, milestones, go_live, reviews)


def playbook_for_choice(value: str) -> PlaybookDefinition:
    """The definition a ``PlaybookChoice.value`` names: a shipped playbook, or one of the active
    tenant's copies (another tenant's is NotFound)."""
    origin, _sep, key = (value or "").partition(":")
    if origin == "shipped" and key in builtin_playbooks():
        return builtin_playbooks()[key]
    if origin == "tenant":
        try:
            public_id = uuid.UUID(key)
        except ValueError:
            public_id = None
        playbook = Playbook.objects.filter(public_id=public_id).first() if public_id else None
        if playbook is not None:
            return parse_definition({**playbook.definition, "key": playbook.key})
    raise NotFound("No such playbook.")


# --- Tenant members --------------------------------------------------------------------------


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
