"""The portfolio: the engagements an actor may see, with what PMO watches on each.

Every count is a correlated subquery bounded by the engagement's tenant *and* id. On
PostgreSQL each is an index-only scan of ``milestone_due`` (tenant, engagement, due_date)
INCLUDE (status): it reads that engagement's index entries and never another tenant's rows,
however large the table grows. A ``Count`` over a join, as the first home page did, lets
PostgreSQL scan every tenant's milestones once the table is large (``bench/hot_paths.py``
measures both). Filtering, sorting and paging run in the database, and a page costs the same
queries whatever its size.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement, EngagementMember, Phase
from engagements.selectors import visible_engagements
from governance.models import Gate
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import DriftAlert, Review, ReviewKpiResult
from transition.standing import HIGH_RISK_SCORE, Health, engagement_health

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200


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


def _count_of(queryset: QuerySet) -> Subquery:
    """``(SELECT COUNT(*) FROM (queryset))`` for a queryset already bound to the outer row."""
    matching = (
        queryset.order_by()
        .annotate(counted=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("counted")
    )
    return Subquery(matching, output_field=IntegerField())


def _latest_reviewed() -> QuerySet[Review]:
    """The engagement's latest review with results: published, or refreshed while still open
    (``refresh_review`` stores its results). Nested inside another correlated subquery."""
    return (
        Review._base_manager.filter(
            tenant_id=OuterRef(OuterRef("tenant_id")),
            engagement_id=OuterRef(OuterRef("pk")),
            results__isnull=False,
        )
        .order_by("-day")
        .values("pk")[:1]
    )


def _latest_review_day() -> Subquery:
    latest = (
        Review._base_manager.filter(
            tenant_id=OuterRef("tenant_id"), engagement_id=OuterRef("pk"), results__isnull=False
        )
        .order_by("-day")
        .values("day")[:1]
    )
    return Subquery(latest, output_field=IntegerField())


def _open_drift(kind: str) -> Subquery:
    """Open drift alerts of one kind: one per KPI at most (a unique constraint), so KPIs."""
    return _count_of(
        DriftAlert._base_manager.filter(
            tenant_id=OuterRef("tenant_id"),
            kpi__engagement_id=OuterRef("pk"),
            ended_week__isnull=True,
            kind=kind,
        )
    )


def health_annotations(today: datetime.date) -> dict[str, models.Expression]:
    """What ``engagement_health`` reads beyond the milestone counts and the next gate, each a
    correlated subquery bound to the row's tenant and id (no query per engagement)."""
    return {
        "kpi_review_day": _latest_review_day(),
        "kpi_misses": _count_of(
            ReviewKpiResult._base_manager.filter(
                tenant_id=OuterRef("tenant_id"),
                review_id=Subquery(_latest_reviewed()),
                outcome=ReviewKpiResult.Outcome.MISSED,
            )
        ),
        "kpis_below_target": _open_drift(DriftAlert.Kind.BELOW_TARGET),
        "kpis_worsening": _open_drift(DriftAlert.Kind.WORSENING),
        "high_risks": _count_of(
            RaidItem._base_manager.filter(
                tenant_id=OuterRef("tenant_id"),
                engagement_id=OuterRef("pk"),
                kind=RaidItem.Kind.RISK,
                status__in=RaidItem.OPEN,
            )
            .alias(score=F("probability") * F("impact"))
            .filter(score__gte=HIGH_RISK_SCORE)
        ),
    }


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


def portfolio_rows(
    *, actor: User, today: datetime.date | None = None, with_health: bool = True
) -> QuerySet[Engagement]:
    """Every engagement the actor may see, by name, each annotated in the same query with

    - ``open_milestones`` (not started, in progress, blocked), ``total_milestones`` (not
      cancelled), ``done_milestones``, ``overdue_milestones`` (open and due before ``today``);
    - the next open phase: ``next_phase_kind``, ``next_phase_status``, and its gate:
      ``next_gate_name``, ``next_gate_status``, ``next_gate_due`` (the phase's planned end);
    - what the health rule reads beyond those (``health_annotations``): KPI misses at the
      latest reviewed review, open drift alerts by kind, open high risks. ``with_health=False``
      leaves them out (the benchmark's floor).

    Every annotation is a correlated subquery bound to the row's tenant and id, so filtering,
    sorting and paging run in the database and a page costs the same queries whatever its size.
    """
    today = today or today_for(actor)
    is_open = Q(status__in=Milestone.OPEN)
    rows = (
        visible_engagements(actor=actor)
        .annotate(
            open_milestones=_counted(Milestone, is_open),
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
    return rows.annotate(**health_annotations(today)) if with_health else rows


def health_of(row: Engagement, *, today: datetime.date) -> Health:
    """The health of one ``portfolio_rows`` row from its annotations (no query)."""
    return engagement_health(
        status=row.status,
        overdue_milestones=row.overdue_milestones,
        next_gate_name=row.next_gate_name,
        next_gate_due=row.next_gate_due,
        today=today,
        kpi_misses=getattr(row, "kpi_misses", 0) or 0,
        kpi_review_day=getattr(row, "kpi_review_day", None),
        kpis_below_target=getattr(row, "kpis_below_target", 0) or 0,
        kpis_worsening=getattr(row, "kpis_worsening", 0) or 0,
        high_risks=getattr(row, "high_risks", 0) or 0,
    )


def engagement_health_for(
    *, actor: User, engagement: Engagement, today: datetime.date | None = None
) -> Health:
    """One engagement's health, as the portfolio shows it, in one query (its page header)."""
    today = today or today_for(actor)
    row = portfolio_rows(actor=actor, today=today).filter(pk=engagement.pk).first()
    return health_of(row, today=today) if row is not None else Health("green")


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
        row.health = health_of(row, today=today)
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


def portfolio(
    *,
    actor: User,
    page: int | str | None = 1,
    per_page: int = DEFAULT_PER_PAGE,
    today: datetime.date | None = None,
) -> Page:
    """One described page of ``portfolio_rows``. A page number out of range or not a number
    gives the last or the first page, as a page link would; ``per_page`` is held between 1 and
    ``MAX_PER_PAGE``."""
    today = today or today_for(actor)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    shown = Paginator(portfolio_rows(actor=actor, today=today), per_page).get_page(page)
    shown.object_list = describe_portfolio_rows(actor=actor, rows=shown.object_list, today=today)
    return shown


def engagements_for_home(*, actor: User) -> QuerySet[Engagement]:
    """The first home page's query (a ``Count`` over a join), kept for the benches to set
    beside ``portfolio_rows``: the visible engagements, their open milestones, their current
    phases."""
    return (
        visible_engagements(actor=actor)
        .annotate(
            open_milestones=Count("milestones", filter=Q(milestones__status__in=Milestone.OPEN))
        )
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.filter(
                    status__in=[Phase.Status.ACTIVE, Phase.Status.AWAITING_DECISION]
                ),
                to_attr="current_phases",
            )
        )
        .order_by("name", "id")
    )
