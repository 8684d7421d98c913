"""My work: everything waiting on one person across the engagements of a tenant."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
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
    edit_url: str = ""  # where it is changed (`e` on the row): an edit form, else ``url``
    public_id: str = ""

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


# --- What My work lists, filtered, grouped and paged -----------------------------------------

KINDS = {
    "milestone": "Milestones",
    "raid_item": "RAID items",
    "corrective_action": "Corrective actions",
    "attestation": "Attestations",
}
DUE_WINDOWS = {
    "any": "Any date",
    "this_week": "Due this week",
    "next_2_weeks": "Due in the next 2 weeks",
    "later": "Due later",
    "no_date": "No due date",
}
GROUPINGS = {"engagement": "Engagement", "week": "Due week", "none": "No grouping"}
SIDES = {"client": "Client", "provider": "Provider", "joint": "Joint"}
PAGE_SIZE = 25
# Items without a date sort (and group) after every dated one.
NO_DATE = datetime.date(9999, 12, 31)


@dataclass(frozen=True)
class WorkFilters:
    """What the person asked My work for; the defaults list everything, by engagement."""

    engagement: Engagement | None = None
    kind: str = ""
    due: str = "any"
    overdue: bool = False
    side: str = ""
    group: str = "engagement"

    @property
    def narrowed(self) -> bool:
        return bool(self.engagement or self.kind or self.due != "any" or self.overdue or self.side)


@dataclass
class WorkGroup:
    key: object
    label: str
    count: int  # in the whole filtered list, not only on this page
    overdue: int
    continued: bool  # the previous page ended inside this group
    items: list[WorkItem]


@dataclass(frozen=True)
class WorkPage:
    groups: list[WorkGroup]
    grouping: str
    number: int
    num_pages: int
    total: int
    overdue: int
    start: int
    end: int
    requested: int  # the page asked for: more than num_pages when the list has shrunk since

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def items(self) -> list[WorkItem]:
        return [item for group in self.groups for item in group.items]


def _milestone_item(milestone: Milestone, today: datetime.date) -> WorkItem:
    engagement_id, milestone_id = milestone.engagement.public_id, milestone.public_id
    return WorkItem(
        kind="milestone",
        kind_label="Milestone",
        title=milestone.title,
        detail=f"{milestone.phase.get_kind_display()} phase · {milestone.get_side_display()} side",
        engagement=milestone.engagement,
        due=milestone.due_date,
        overdue=milestone.due_date < today,
        status=milestone.status,
        status_label=milestone.get_status_display(),
        url=reverse("milestones:detail", args=[engagement_id, milestone_id]),
        edit_url=reverse("milestones:edit", args=[engagement_id, milestone_id]),
        public_id=str(milestone_id),
    )


def _raid_item(item: RaidItem, today: datetime.date) -> WorkItem:
    detail = "RAID register"
    if item.score is not None:
        times = "\N{MULTIPLICATION SIGN}"
        detail += f" · probability {item.probability} {times} impact {item.impact} = {item.score}"
    url = reverse("registers:item", args=[item.engagement.public_id, item.public_id])
    return WorkItem(
        kind="raid_item",
        kind_label=item.get_kind_display(),
        title=item.title,
        detail=detail,
        engagement=item.engagement,
        due=item.due_date,
        overdue=item.due_date < today,
        status=item.status,
        status_label=item.get_status_display(),
        url=url,
        edit_url=url,  # the item's page is its edit form
        public_id=str(item.public_id),
    )


def _corrective_action(result: ReviewKpiResult, today: datetime.date) -> WorkItem:
    review = result.review
    url = (
        reverse("reporting:review", args=[review.engagement.public_id, review.public_id])
        + f"#miss-{result.public_id}"
    )
    return WorkItem(
        kind="corrective_action",
        kind_label="Corrective action",
        title=result.corrective_action,
        detail=f"{result.kpi.name} missed its target in the day-{review.day} review",
        engagement=review.engagement,
        due=result.action_due,
        overdue=result.action_due is not None and result.action_due < today,
        status="open",
        status_label="Open",
        url=url,
        edit_url=url,
        public_id=str(result.public_id),
    )


def _attestation(gate: Gate, today: datetime.date) -> WorkItem:
    waiting = {"client": gate.client_waiting, "provider": gate.provider_waiting}
    sides = [side for side, waits in waiting.items() if waits]
    url = (
        reverse("governance:gate", args=[gate.engagement.public_id, gate.public_id])
        + f"#attest-{sides[0]}"
    )
    return WorkItem(
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
        url=url,
        edit_url=url,
        public_id=str(gate.public_id),
    )


@dataclass(frozen=True)
class _Source:
    """One kind of work: its open items owned by the actor, and how to read them."""

    kind: str
    due: str  # the field holding the due date
    engagement: str  # the path to the engagement
    title: str
    owned: Callable[[User], QuerySet]
    item: Callable[[models.Model, datetime.date], WorkItem]
    sides: Callable[[QuerySet, str], QuerySet] = lambda queryset, side: queryset.none()


def _owned_milestones(actor: User) -> QuerySet[Milestone]:
    return (
        Milestone.objects.visible_to(actor)
        .filter(owner=actor, status__in=Milestone.OPEN)
        .exclude(engagement__status=Engagement.Status.CLOSED)
        .select_related("engagement", "phase")
    )


def _owned_raid_items(actor: User) -> QuerySet[RaidItem]:
    return (
        RaidItem.objects.visible_to(actor)
        .filter(owner=actor, status__in=RaidItem.OPEN)
        .exclude(engagement__status=Engagement.Status.CLOSED)
        .select_related("engagement")
    )


def _owned_actions(actor: User) -> QuerySet[ReviewKpiResult]:
    return (
        ReviewKpiResult.objects.visible_to(actor)
        .filter(action_owner=actor, outcome=ReviewKpiResult.Outcome.MISSED)
        .exclude(corrective_action="")
        .exclude(review__engagement__status=Engagement.Status.CLOSED)
        .select_related("review__engagement", "kpi")
    )


def _attestations_on_side(gates: QuerySet, side: str) -> QuerySet:
    if side in ("client", "provider"):
        return gates.filter(**{f"{side}_waiting": True})
    return gates.none()  # nobody attests for the joint side


SOURCES = (
    _Source(
        "milestone",
        "due_date",
        "engagement",
        "title",
        _owned_milestones,
        _milestone_item,
        lambda milestones, side: milestones.filter(side=side),
    ),
    _Source("raid_item", "due_date", "engagement", "title", _owned_raid_items, _raid_item),
    _Source(
        "corrective_action",
        "action_due",
        "review__engagement",
        "corrective_action",
        _owned_actions,
        _corrective_action,
    ),
    _Source(
        "attestation",
        "phase__planned_end",
        "engagement",
        "name",
        lambda actor: _attestations_waiting(actor=actor),
        _attestation,
        _attestations_on_side,
    ),
)


def _filtered(
    source: _Source, *, actor: User, filters: WorkFilters, today: datetime.date
) -> QuerySet:
    items = source.owned(actor)
    due = source.due
    if filters.engagement is not None:
        items = items.filter(**{f"{source.engagement}_id": filters.engagement.pk})
    if filters.side:
        items = source.sides(items, filters.side)
    if filters.overdue:
        items = items.filter(**{f"{due}__lt": today})
    end_of_week = today + datetime.timedelta(days=6 - today.weekday())
    fortnight = today + datetime.timedelta(days=14)
    windows = {
        "this_week": {f"{due}__gte": today, f"{due}__lte": end_of_week},
        "next_2_weeks": {f"{due}__gte": today, f"{due}__lte": fortnight},
        "later": {f"{due}__gt": fortnight},
        "no_date": {f"{due}__isnull": True},
    }
    return items.filter(**windows.get(filters.due, {}))


def _week_of(due: datetime.date) -> datetime.date:
    return due if due == NO_DATE else due - datetime.timedelta(days=due.weekday())


def _group_label(grouping: str, key, engagement: Engagement) -> str:
    if grouping == "engagement":
        return engagement.name
    if grouping == "week":
        return "No due date" if key == NO_DATE else f"Week of {key.day} {key:%b %Y}"
    return "Everything"


def work_page(
    *,
    actor: User,
    filters: WorkFilters | None = None,
    page: int = 1,
    today: datetime.date | None = None,
    per_page: int = PAGE_SIZE,
) -> WorkPage:
    """One page of the actor's open work in the active tenant, filtered and grouped.

    Overdue first, then by due date (by engagement first when grouped so). Each group
    carries its count over the whole filtered list. Two queries plus one per kind the page
    shows, whatever the number of items: the counts per group and the page's keys (each one
    UNION over the four kinds), then the page's items of each kind.
    """
    filters = filters or WorkFilters()
    today = today or today_for(actor)
    sources = [s for s in SOURCES if not filters.kind or s.kind == filters.kind]
    filtered = {s.kind: _filtered(s, actor=actor, filters=filters, today=today) for s in sources}
    by_week = filters.group == "week"

    # The counts: per engagement (or per due date, folded into weeks below), one query.
    def counted(source: _Source) -> QuerySet:
        key = Coalesce(F(source.due), Value(NO_DATE)) if by_week else F(f"{source.engagement}_id")
        return (
            filtered[source.kind]
            .order_by()
            .values(w_key=key)
            .annotate(
                w_count=Count("pk"),
                w_late=Count("pk", filter=Q(**{f"{source.due}__lt": today})),
            )
        )

    counts: dict[object, list[int]] = {}
    count_queries = [counted(s) for s in sources]
    for row in count_queries[0].union(*count_queries[1:], all=True):
        key = _week_of(row["w_key"]) if by_week else row["w_key"]
        if filters.group == "none":
            key = None
        tally = counts.setdefault(key, [0, 0])
        tally[0] += row["w_count"]
        tally[1] += row["w_late"]
    total = sum(count for count, _ in counts.values())
    num_pages = max(1, -(-total // per_page))
    number = min(page, num_pages)
    offset = (number - 1) * per_page

    def keyed(source: _Source) -> QuerySet:
        return (
            filtered[source.kind]
            .order_by()
            .values(
                w_kind=Value(source.kind, output_field=models.CharField()),
                w_id=F("pk"),
                w_due=Coalesce(F(source.due), Value(NO_DATE), output_field=models.DateField()),
                w_engagement=F(f"{source.engagement}_id"),
                w_engagement_name=F(f"{source.engagement}__name"),
                w_title=F(source.title),
            )
        )

    keys = [keyed(s) for s in sources]
    order = ["w_due", "w_engagement_name", "w_title", "w_kind", "w_id"]
    if filters.group == "engagement":
        order = ["w_engagement_name", "w_engagement", *order]
    # One row before the page, when there is one, says whether its first group continues.
    before = 1 if offset else 0
    rows = list(
        keys[0].union(*keys[1:], all=True).order_by(*order)[offset - before : offset + per_page]
    )
    previous, rows = (rows[0], rows[1:]) if before else (None, rows)

    loaded: dict[tuple[str, int], WorkItem] = {}
    for source in sources:
        wanted = [row["w_id"] for row in rows if row["w_kind"] == source.kind]
        if wanted:
            for found in source.owned(actor).filter(pk__in=wanted):
                loaded[source.kind, found.pk] = source.item(found, today)

    def group_key(row) -> object:
        if filters.group == "engagement":
            return row["w_engagement"]
        return _week_of(row["w_due"]) if by_week else None

    groups: list[WorkGroup] = []
    for row in rows:
        item = loaded.get((row["w_kind"], row["w_id"]))
        if item is None:  # closed between the two queries
            continue
        key = group_key(row)
        if not groups or groups[-1].key != key:
            count, late = counts.get(key, (0, 0))
            groups.append(
                WorkGroup(
                    key=key,
                    label=_group_label(filters.group, key, item.engagement),
                    count=count,
                    overdue=late,
                    continued=not groups and previous is not None and group_key(previous) == key,
                    items=[],
                )
            )
        groups[-1].items.append(item)
    return WorkPage(
        groups=groups,
        grouping=filters.group,
        number=number,
        num_pages=num_pages,
        total=total,
        overdue=sum(late for _, late in counts.values()),
        start=offset + 1 if rows else 0,
        end=offset + len(rows),
        requested=page,
    )


def work_of(*, actor: User, today: datetime.date | None = None) -> list[WorkItem]:
    """Everything the actor owns in the active tenant, overdue first, then by due date."""
    today = today or today_for(actor)
    items = [source.item(found, today) for source in SOURCES for found in source.owned(actor)]
    return sorted(items, key=lambda item: item.sort_key)


def work_engagements(*, actor: User) -> QuerySet[Engagement]:
    """The open engagements where the actor has a seat: where their work can be."""
    return (
        Engagement.objects.visible_to(actor)
        .filter(members__user=actor)
        .exclude(status=Engagement.Status.CLOSED)
        .distinct()
        .order_by("name", "id")
    )
