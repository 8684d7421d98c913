"""A contact-centre campaign's first 90 days of KPI values, and its day-30 review published.

Contact rate starts below its 30 % target and climbs past it after the day-31 fix (the
day-30 bottleneck); transfer-set rate misses narrowly at day 30; show rate slides slowly
from day 60, still on target but worse week after week (seed 001's slow drift).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reporting.imports import RawRow
from reporting.measurements import import_measurements
from reporting.models import Kpi, Review, ReviewKpiResult
from reporting.reviews import explain_miss, publish_review, refresh_review

WOBBLE = ("-0.6", "0.4", "0.2", "-0.3", "0.5", "-0.1", "-0.1")


def value_on(key: str, day: int) -> Decimal:
    """The KPI's value on day ``day`` after signature (a trend plus a weekly wobble)."""
    wobble = Decimal(WOBBLE[day % 7])
    if key == "contact-rate":  # 24 % at first, past 30 % from about day 45
        base = Decimal("24") + Decimal(min(day, 60)) * Decimal("0.15")
    elif key == "qualification-rate":
        base = Decimal("37")
    elif key == "transfer-set-rate":  # just short of 60 % at day 30
        base = Decimal("57.5") + Decimal(max(day - 30, 0)) * Decimal("0.12")
    elif key == "show-rate":  # a slow slide from day 60: 74 % down to about 70.4 % at day 90
        base = Decimal("74") - Decimal(max(day - 60, 0)) * Decimal("0.12")
    else:  # speed to lead, minutes (lower is better)
        base, wobble = Decimal("4.1"), wobble / 4
    return (base + wobble).quantize(Decimal("0.01"))


def measurement_rows(
    *, day0: datetime.date, days: range, keys: tuple[str, ...] | None = None
) -> list[RawRow]:
    keys = keys or (
        "contact-rate",
        "qualification-rate",
        "transfer-set-rate",
        "show-rate",
        "speed-to-lead",
    )
    rows, number = [], 2
    for day in days:
        for key in keys:
            measured_on = (day0 + datetime.timedelta(days=day)).isoformat()
            rows.append(RawRow(number, key, measured_on, str(value_on(key, day))))
            number += 1
    return rows


def measure_first_days(world, days: int = 90) -> None:
    import_measurements(
        actor=world.provider_lead,
        engagement=world.engagement,
        rows=measurement_rows(day0=world.engagement.contract_signed_on, days=range(1, days + 1)),
    )


FIXES = {
    "contact-rate": (
        "Leads were called 40 minutes after they arrived; caller ID flagged as spam.",
        "Speed-to-lead automation on every source and a fresh caller ID pool, live on day 31.",
    ),
    "transfer-set-rate": (
        "Agents hand over before the prospect agrees to talk to a closer.",
        "Transfer script rewritten and recertified with the QA lead.",
    ),
}


def publish_day_30(world) -> Review:
    """Refresh the day-30 review, explain each miss, publish it as PMO."""
    review = Review.objects.get(engagement=world.engagement, day=30)
    refresh_review(actor=world.pmo, review=review)
    for result in ReviewKpiResult.objects.filter(review=review, outcome="missed").select_related(
        "kpi"
    ):
        cause, fix = FIXES.get(result.kpi.key, ("Not known yet", "Daily QA sampling"))
        explain_miss(
            actor=world.provider_lead,
            result=result,
            root_cause=cause,
            corrective_action=fix,
            action_owner=world.provider_lead,
            action_due=review.scheduled_on + datetime.timedelta(days=7),
        )
    return publish_review(actor=world.pmo, review=review)


def kpis(world) -> list[Kpi]:
    return list(Kpi.objects.filter(engagement=world.engagement).order_by("name"))
