"""Reads of KPIs and reports, scoped to the active tenant and the actor's engagements.

KPIs, weekly trends (Monday-based ISO weeks), drift alerts
(``open_drift_alerts`` for pages and reminders) and review reports.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek

from accounts.models import User
from engagements.models import Engagement
from engagements.selectors import get_engagement
from kernel.errors import NotFound
from reporting.drift import WeekMean, is_met, is_worse, last_complete_week
from reporting.models import DriftAlert, Kpi, KpiMeasurement, Review, ReviewReport


def weekly_means(
    *, kpis: Iterable[Kpi], until: datetime.date | None = None
) -> dict[int, list[WeekMean]]:
    """Each KPI's mean per ISO week (Monday-based), oldest first, in one query."""
    measurements = KpiMeasurement.objects.filter(kpi__in=list(kpis))
    if until is not None:
        measurements = measurements.filter(measured_on__lte=until)
    rows = (
        measurements.annotate(week=TruncWeek("measured_on"))
        .values("kpi_id", "week")
        .annotate(mean=Avg("value"))
        .order_by("kpi_id", "week")
    )
    means: dict[int, list[WeekMean]] = {}
    for row in rows:
        week = row["week"]
        if isinstance(week, datetime.datetime):
            week = week.date()
        means.setdefault(row["kpi_id"], []).append(
            WeekMean(week=week, mean=Decimal(row["mean"]).quantize(Decimal("0.01")))
        )
    return means


@dataclass(frozen=True)
class TrendWeek:
    """One row of a KPI's weekly trend: its mean and how it moved since the week before."""

    week: datetime.date
    mean: Decimal
    change: Decimal | None
    movement: str  # "better", "worse", "flat" or "" for the first week
    met: bool
    complete: bool

    @property
    def label(self) -> str:
        year, number, _ = self.week.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def short_label(self) -> str:
        return f"W{self.week.isocalendar()[1]:02d}"

    @property
    def sunday(self) -> datetime.date:
        return self.week + datetime.timedelta(days=6)


def trend_of(kpi: Kpi, means: list[WeekMean], *, today: datetime.date) -> list[TrendWeek]:
    """Week-over-week movement of a KPI's weekly means, direction-aware."""
    trend, previous = [], None
    last_complete = last_complete_week(today)
    for week in means:
        change = None if previous is None else week.mean - previous.mean
        if previous is None:
            movement = ""
        elif is_worse(week.mean, previous.mean, direction=kpi.direction):
            movement = "worse"
        elif is_worse(previous.mean, week.mean, direction=kpi.direction):
            movement = "better"
        else:
            movement = "flat"
        trend.append(
            TrendWeek(
                week=week.week,
                mean=week.mean,
                change=change,
                movement=movement,
                met=is_met(week.mean, target=kpi.target, direction=kpi.direction),
                complete=week.week <= last_complete,
            )
        )
        previous = week
    return trend


def standing_of(trend: list[TrendWeek]) -> TrendWeek | None:
    """Where a KPI stands: its last complete week, whose mean and status a page shows
    together (the week in progress is not yet a result; drift also reads whole weeks)."""
    return next((week for week in reversed(trend) if week.complete), None)


def weekly_trend(*, kpi: Kpi, until: datetime.date | None = None) -> list[TrendWeek]:
    """A KPI's week-over-week trend (the current week flagged as not yet complete)."""
    means = weekly_means(kpis=[kpi], until=until).get(kpi.pk, [])
    return trend_of(kpi, means, today=kpi.engagement.today())


def open_drift_alerts(
    *,
    actor: User | None = None,
    engagement: Engagement | None = None,
    kpi: Kpi | None = None,
) -> QuerySet[DriftAlert]:
    """Drift alerts still open in the active tenant, newest episode first.

    With ``actor``, only the engagements that person may see (pages); without, every one of
    the tenant (the reminder system, inside a TenantTask). ``engagement`` or ``kpi`` narrows.
    """
    alerts = DriftAlert.objects.filter(ended_week__isnull=True)
    if actor is not None:
        alerts = alerts.visible_to(actor)
    if engagement is not None:
        alerts = alerts.filter(kpi__engagement=engagement)
    if kpi is not None:
        alerts = alerts.filter(kpi=kpi)
    return alerts.select_related("kpi__engagement").order_by("-started_week", "kpi__name", "kind")


def drift_alerts_of(*, kpi: Kpi) -> QuerySet[DriftAlert]:
    """Every episode of one KPI, open ones first, then newest first."""
    return DriftAlert.objects.filter(kpi=kpi).order_by(
        F("ended_week").desc(nulls_first=True), "-started_week", "kind"
    )


def kpis_of_engagement(*, engagement: Engagement) -> QuerySet[Kpi]:
    """The engagement's KPIs with their latest measurement date, measurement count and open
    drift alerts, in a fixed number of queries."""
    return (
        Kpi.objects.filter(engagement=engagement)
        .annotate(
            last_measured_on=Max("measurements__measured_on"),
            measurement_count=Count("measurements", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "drift_alerts",
                queryset=DriftAlert.objects.filter(ended_week__isnull=True).order_by(
                    "-started_week"
                ),
                to_attr="open_alerts",
            )
        )
        .order_by("name", "id")
    )


def get_visible_engagement(*, actor: User, engagement_id: uuid.UUID | str) -> Engagement:
    return get_engagement(actor=actor, public_id=engagement_id)


def get_kpi(*, actor: User, engagement_id: uuid.UUID | str, kpi_id: uuid.UUID | str) -> Kpi:
    """One KPI of an engagement the actor may see; anything else is NotFound."""
    engagement = get_visible_engagement(actor=actor, engagement_id=engagement_id)
    kpi = Kpi.objects.filter(engagement=engagement, public_id=kpi_id).first()
    if kpi is None:
        raise NotFound("No such KPI.")
    kpi.engagement = engagement
    return kpi


def measurements_until(*, kpi: Kpi, until: datetime.date | None = None) -> list[KpiMeasurement]:
    measurements = KpiMeasurement.objects.filter(kpi=kpi)
    if until is not None:
        measurements = measurements.filter(measured_on__lte=until)
    return list(measurements.order_by("measured_on").only("measured_on", "value"))


def measurements_by_kpi(
    *, kpis: Iterable[Kpi], until: datetime.date | None = None
) -> dict[int, list[KpiMeasurement]]:
    """Each KPI's daily values, oldest first, in one query."""
    measurements = KpiMeasurement.objects.filter(kpi__in=list(kpis))
    if until is not None:
        measurements = measurements.filter(measured_on__lte=until)
    grouped: dict[int, list[KpiMeasurement]] = {}
    for measurement in measurements.order_by("kpi_id", "measured_on").only(
        "kpi_id", "measured_on", "value"
    ):
        grouped.setdefault(measurement.kpi_id, []).append(measurement)
    return grouped


def published_reviews_with_reports(*, engagement: Engagement) -> QuerySet[Review]:
    """The engagement's reviews, each with its stored report if one was generated."""
    return (
        Review.objects.filter(engagement=engagement)
        .select_related("report", "published_by")
        .order_by("day")
    )


def get_review_for_report(
    *, actor: User, engagement_id: uuid.UUID | str, review_id: uuid.UUID | str
) -> Review:
    """A review of an engagement the actor may see, with what its report shows; else
    NotFound."""
    engagement = get_visible_engagement(actor=actor, engagement_id=engagement_id)
    review = (
        Review.objects.filter(engagement=engagement, public_id=review_id)
        .select_related("published_by")
        .first()
    )
    if review is None:
        raise NotFound("No such review.")
    review.engagement = engagement
    return review


def stored_report(*, review: Review) -> ReviewReport | None:
    return ReviewReport.objects.filter(review=review).select_related("generated_by").first()


def open_alert_counts(*, engagements: Iterable[Engagement]) -> dict[int, int]:
    """Open drift alerts per engagement id, in one query (for portfolio-style lists)."""
    return dict(
        DriftAlert.objects.filter(Q(ended_week__isnull=True), kpi__engagement__in=list(engagements))
        .values("kpi__engagement")
        .annotate(count=Count("id"))
        .values_list("kpi__engagement", "count")
    )
