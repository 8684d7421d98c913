"""Reads of the registers, scoped to the engagement they belong to."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Prefetch, QuerySet, Value, When

from accounts.models import User
from engagements.models import Engagement, EngagementMember, Phase
from kernel.errors import NotFound
from milestones.models import Milestone
from registers.models import DecisionRight, EscalationLevel, RaidItem, severity_of

SCALE = (1, 2, 3, 4, 5)
MIN_ESCALATION_LEVELS = 2

# --- RAID register ---------------------------------------------------------------------------


def raid_items(*, engagement: Engagement) -> QuerySet[RaidItem]:
    """The engagement's items, soonest due first, with what a list row shows."""
    return (
        RaidItem.objects.filter(engagement=engagement)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.only("id", "public_id", "title", "due_date").order_by(
                    "due_date", "id"
                ),
            ),
            Prefetch(
                "agreed_by",
                queryset=User.objects.only(
                    "id", "public_id", "username", "first_name", "last_name"
                ).order_by("first_name", "last_name", "id"),
            ),
        )
        .order_by("due_date", "id")
    )


def get_raid_item(*, engagement: Engagement, public_id: uuid.UUID | str) -> RaidItem:
    """One item of this engagement (already visible to the actor); any other is NotFound."""
    item = raid_items(engagement=engagement).filter(public_id=public_id).first()
    if item is None:
        raise NotFound("No such item.")
    item.engagement = engagement
    return item


@dataclass(frozen=True)
class HeatCell:
    probability: int
    impact: int
    count: int

    @property
    def score(self) -> int:
        return self.probability * self.impact

    @property
    def severity(self) -> str:
        return severity_of(self.score)


@dataclass(frozen=True)
class HeatMap:
    """Open risks counted by probability (rows, 5 at the top) and impact (columns, 1 to 5)."""

    rows: list[tuple[int, list[HeatCell]]]
    total: int
    impacts: tuple[int, ...] = SCALE


def risk_heat_map(*, engagement: Engagement) -> HeatMap:
    """One grouped count of the engagement's open risks, laid out as a 5 by 5 grid."""
    counts = {
        (row["probability"], row["impact"]): row["count"]
        for row in RaidItem.objects.filter(
            engagement=engagement, kind=RaidItem.Kind.RISK, status__in=RaidItem.OPEN
        )
        .values("probability", "impact")
        .annotate(count=Count("id"))
        .order_by()
    }
    rows = [
        (
            probability,
            [
                HeatCell(probability, impact, counts.get((probability, impact), 0))
                for impact in SCALE
            ],
        )
        for probability in reversed(SCALE)
    ]
    return HeatMap(rows=rows, total=sum(counts.values()))


def due_items(
    *,
    today: datetime.date,
    days_ahead: int = 0,
    tenant_id: int | None = None,
    engagement: Engagement | None = None,
) -> QuerySet[RaidItem]:
    """Open items (decisions still to agree included) due on or before ``today`` plus
    ``days_ahead``: overdue ones and those coming due, for reminders.

    Across every tenant by default (the partial index ``raid_open_due``); within one tenant
    (``raid_open_due_in_tenant``) or one engagement when given. One query, whatever the
    number of items; each row has ``overdue`` (due before ``today``), its engagement and its
    owner. A caller spanning time zones passes the latest local date and checks each item
    against ``item.engagement.today()``.
    """
    # The plain base manager: reminders run outside any tenant and pick up every tenant's
    # due items; the tenant and engagement filters below narrow it when asked.
    items = RaidItem._base_manager.filter(
        status__in=RaidItem.OPEN,
        due_date__lte=today + datetime.timedelta(days=days_ahead),
    )
    if engagement is not None:
        items = items.filter(tenant_id=engagement.tenant_id, engagement_id=engagement.pk)
    elif tenant_id is not None:
        items = items.filter(tenant_id=tenant_id)
    return (
        items.select_related("engagement", "owner")
        .annotate(
            overdue=Case(
                When(due_date__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("due_date", "id")
    )


# --- People of the engagement ----------------------------------------------------------------


def engagement_seats(*, engagement: Engagement) -> list[EngagementMember]:
    """Every seat of the engagement with its person, for owner and contact choices."""
    return list(
        EngagementMember.objects.filter(engagement=engagement)
        .select_related("user")
        .order_by("side", "user__first_name", "user__last_name", "user__username")
    )


def engagement_milestones(*, engagement: Engagement) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(engagement=engagement)
        .only("id", "public_id", "title", "due_date", "engagement_id")
        .order_by("due_date", "id")
    )


# --- Escalation path and decision rights ---------------------------------------------------


def escalation_levels(*, engagement: Engagement) -> QuerySet[EscalationLevel]:
    return (
        EscalationLevel.objects.filter(engagement=engagement)
        .select_related("client_contact", "provider_contact")
        .order_by("level")
    )


def get_escalation_level(*, engagement: Engagement, public_id: uuid.UUID | str) -> EscalationLevel:
    level = escalation_levels(engagement=engagement).filter(public_id=public_id).first()
    if level is None:
        raise NotFound("No such escalation level.")
    level.engagement = engagement
    return level


def decision_rights(*, engagement: Engagement) -> QuerySet[DecisionRight]:
    return (
        DecisionRight.objects.filter(engagement=engagement)
        .select_related("approver")
        .order_by("area", "id")
    )


def get_decision_right(*, engagement: Engagement, public_id: uuid.UUID | str) -> DecisionRight:
    right = decision_rights(engagement=engagement).filter(public_id=public_id).first()
    if right is None:
        raise NotFound("No such decision right.")
    right.engagement = engagement
    return right


# --- Automatic gate criteria -----------------------------------------------------------------


@dataclass(frozen=True)
class AutomaticCriterion:
    """A gate criterion the registers check themselves: nobody marks it met."""

    text: str
    met: bool
    detail: str

    @property
    def open_item(self) -> str:
        return f"Automatic: {self.text} ({self.detail})"


def automatic_criteria(*, engagement: Engagement, phase_kind: str) -> list[AutomaticCriterion]:
    """The automatic criteria of the gate that ends a phase of this kind, met or not.

    Controlled go-live: issue management needs an escalation path with at least two levels
    in place before go-live (seed 002, governance set-up).
    """
    if phase_kind != Phase.Kind.CONTROLLED_GO_LIVE:
        return []
    levels = EscalationLevel.objects.filter(engagement=engagement).count()
    met = levels >= MIN_ESCALATION_LEVELS
    detail = f"{levels} levels" if met else f"{levels or 'none'} so far"
    return [
        AutomaticCriterion(
            text="an escalation path with at least two levels", met=met, detail=detail
        )
    ]


def automatic_criteria_open(*, engagement: Engagement, phase_kind: str) -> list[str]:
    """What still blocks the gate among the automatic criteria, as open-item lines."""
    return [
        criterion.open_item
        for criterion in automatic_criteria(engagement=engagement, phase_kind=phase_kind)
        if not criterion.met
    ]
