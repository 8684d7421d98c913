"""Reads of the review pages, scoped to the actor's engagements, in a fixed number of queries."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from engagements.models import Engagement, EngagementMember
from kernel.errors import NotFound
from reporting.models import ForwardTarget, Kpi, KpiMeasurement, Review, ReviewKpiResult


def visible_reviews(*, actor: User) -> QuerySet[Review]:
    return Review.objects.visible_to(actor).select_related("engagement")


def reviews_of_engagement(*, actor: User, engagement: Engagement) -> QuerySet[Review]:
    """The engagement's reviews by day, each with how many KPIs it held, met and had no data
    for, and its stored report if any."""
    return (
        visible_reviews(actor=actor)
        .filter(engagement=engagement)
        .select_related("published_by", "report")
        .annotate(
            kpis_held=Count("results"),
            kpis_met=Count("results", filter=Q(results__outcome=ReviewKpiResult.Outcome.MET)),
            kpis_no_data=Count(
                "results", filter=Q(results__outcome=ReviewKpiResult.Outcome.NO_DATA)
            ),
            kpis_measured=Count(
                "results", filter=~Q(results__outcome=ReviewKpiResult.Outcome.NO_DATA)
            ),
        )
        .order_by("day")
    )


def review_page(
    *, actor: User, engagement_id: uuid.UUID | str, review_id: uuid.UUID | str
) -> Review:
    """One review of a visible engagement with its results and forward targets; else NotFound."""
    review = (
        visible_reviews(actor=actor)
        .filter(engagement__public_id=engagement_id, public_id=review_id)
        .select_related("published_by", "report")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=ReviewKpiResult.objects.select_related("kpi", "action_owner").order_by(
                    "kpi__name", "id"
                ),
            ),
            Prefetch("forward_targets", queryset=ForwardTarget.objects.select_related("kpi")),
        )
        .first()
    )
    if review is None:
        raise NotFound("No such review.")
    return review


def result_of_review(*, review: Review, result_id: uuid.UUID | str) -> ReviewKpiResult:
    result = (
        ReviewKpiResult.objects.filter(review=review, public_id=result_id)
        .select_related("kpi", "review__engagement")
        .first()
    )
    if result is None:
        raise NotFound("No such KPI result.")
    return result


def kpis_of(*, engagement: Engagement) -> list[Kpi]:
    return list(Kpi.objects.filter(engagement=engagement).order_by("name", "id"))


def kpi_of(*, engagement: Engagement, kpi_id: uuid.UUID | str) -> Kpi:
    kpi = Kpi.objects.filter(engagement=engagement, public_id=kpi_id).first()
    if kpi is None:
        raise NotFound("No such KPI.")
    kpi.engagement = engagement
    return kpi


def seated_people(*, engagement: Engagement) -> list[EngagementMember]:
    """The engagement's members (who may own a corrective action), by side then name."""
    return list(
        EngagementMember.objects.filter(engagement=engagement)
        .select_related("user")
        .order_by("side", "user__first_name", "user__last_name", "user__username")
    )


@dataclass
class GridCell:
    kpi: Kpi
    day: datetime.date
    value: Decimal | None
    in_window: bool
    # After a refused entry: what was typed and why it was refused.
    typed: str = ""
    error: str = ""
    saved: bool = False

    @property
    def shown(self) -> str:
        """The value as typed back into its input: 30, not 30.0000 or 3E+1."""
        return "" if self.value is None else format(self.value.normalize(), "f")


@dataclass(frozen=True)
class MeasurementGrid:
    days: list[tuple[datetime.date, bool]]  # each day, and whether it is in the review window
    rows: list[tuple[Kpi, list[GridCell]]]
    earlier: datetime.date
    later: datetime.date | None  # None when the grid already ends today


def measurement_grid(
    *,
    engagement: Engagement,
    until: datetime.date,
    window: tuple[datetime.date, datetime.date],
    days: int = 7,
) -> MeasurementGrid:
    """``days`` days up to ``until`` for every KPI of the engagement, in two queries."""
    today = engagement.today()
    until = min(until, today)
    dates = [until - datetime.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    kpis = kpis_of(engagement=engagement)
    values = {
        (kpi_id, measured_on): value
        for kpi_id, measured_on, value in KpiMeasurement.objects.filter(
            kpi__in=kpis, measured_on__range=(dates[0], dates[-1])
        ).values_list("kpi_id", "measured_on", "value")
    }
    start, end = window
    rows = [
        (
            kpi,
            [GridCell(kpi, day, values.get((kpi.pk, day)), start <= day <= end) for day in dates],
        )
        for kpi in kpis
    ]
    later = until + datetime.timedelta(days=days)
    return MeasurementGrid(
        days=[(day, start <= day <= end) for day in dates],
        rows=rows,
        earlier=until - datetime.timedelta(days=days),
        later=min(later, today) if until < today else None,
    )


def measurement_cell(*, kpi: Kpi, day: datetime.date, window) -> GridCell:
    value = (
        KpiMeasurement.objects.filter(kpi=kpi, measured_on=day)
        .values_list("value", flat=True)
        .first()
    )
    start, end = window
    return GridCell(kpi, day, value, start <= day <= end)
