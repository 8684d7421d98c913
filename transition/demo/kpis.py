"""The contact-centre launch's KPI story: its daily values since controlled go-live, imported
week by week, and its reviews computed, explained and published on their days."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from engagements import plan
from engagements.models import Engagement
from engagements.plan import review_window
from transition.demo.clock import moment_on

DEMO_WEEKS = 6
# Each KPI's mean per week, oldest first: contact rate stays below its 30 % target (a
# below-target alert); show rate is on target but worse three weeks running (a worsening one).
DEMO_WEEKLY_MEANS = {
    "contact-rate": ("26.5", "27.2", "27.9", "28.4", "28.8", "29.1"),
    "qualification-rate": ("36.2", "37.0", "36.8", "37.4", "37.1", "37.6"),
    "transfer-set-rate": ("59.0", "60.4", "61.2", "61.9", "62.3", "62.8"),
    "show-rate": ("76.0", "76.1", "75.0", "73.8", "72.6", "71.4"),
    "speed-to-lead": ("4.6", "4.4", "4.3", "4.2", "4.2", "4.1"),
}
DEMO_DAILY_WOBBLE = ("-0.4", "0.3", "0.1", "-0.2", "0.4", "-0.1", "-0.1")


def six_week_values(engagement: Engagement) -> list[tuple[str, datetime.date, str]]:
    """Six weeks of daily KPI values for the contact-centre launch, up to yesterday: its KPI
    pages show charts, weekly trends and two drift alerts."""
    from decimal import Decimal

    today = engagement.today()
    first_monday = today - datetime.timedelta(days=today.weekday(), weeks=DEMO_WEEKS)
    values = []
    for offset in range((today - first_monday).days):
        day = first_monday + datetime.timedelta(days=offset)
        week = min(offset // 7, DEMO_WEEKS - 1)  # this week's days continue the last week
        for key, means in DEMO_WEEKLY_MEANS.items():
            wobble = Decimal(DEMO_DAILY_WOBBLE[offset % 7])
            if key == "speed-to-lead":
                wobble /= 4
            values.append((key, day, str(Decimal(means[week]) + wobble)))
    return values


# Before those six weeks, from controlled go-live (day 11): each KPI's value on day 11 and its
# change per day, the same whatever the weekday. Contact rate stays below target throughout
# (the bottleneck every review explains); transfer-set rate starts below and recovers in the
# first of the six weeks; the others hold their targets.
LAUNCH_FIRST_DAY = 11
LAUNCH_EARLY_VALUES = {
    "contact-rate": ("22", "0.115"),
    "qualification-rate": ("36", "0.005"),
    "transfer-set-rate": ("55", "0.1"),
    "show-rate": ("74", "0.05"),
    "speed-to-lead": ("4.9", "-0.0075"),
}
# Why each review's misses happened and what was done, by review day and KPI.
LAUNCH_MISSES = {
    (14, "contact-rate"): (
        "Leads were called 40 minutes after they arrived; two carriers flag our caller ID.",
        "Speed-to-lead automation on every lead source and a fresh caller ID pool.",
    ),
    (14, "transfer-set-rate"): (
        "Agents hand over before the prospect agrees to talk to a closer.",
        "Transfer script rewritten; every agent recertified on it with the QA lead.",
    ),
    (30, "contact-rate"): (
        "The new caller IDs are still flagged by one carrier.",
        "Register the numbers with the carriers' reputation services.",
    ),
    (30, "transfer-set-rate"): (
        "Only the first wave was certified on the new transfer script.",
        "Certify the second wave on the script.",
    ),
    (45, "contact-rate"): (
        "Leads arriving after 18:00 are called the next morning.",
        "An evening shift of four agents.",
    ),
    (45, "transfer-set-rate"): (
        "Closers are unavailable at the transfer peaks.",
        "Closer rota aligned with calling hours.",
    ),
    (60, "contact-rate"): (
        "The evening shift is staffed at half its plan.",
        "Two more evening agents hired and certified.",
    ),
    (60, "transfer-set-rate"): (
        "The closer rota change landed mid-window.",
        "Keep the rota; check again at day 90.",
    ),
}
LAUNCH_PUBLISHED_REVIEWS = (14, 30, 45, 60)


def launch_values(engagement: Engagement) -> list[tuple[str, datetime.date, str]]:
    """The contact-centre launch's values from controlled go-live up to the six weeks of
    ``six_week_values``, so that every review window holds data."""
    from decimal import Decimal

    today = engagement.today()
    six_weeks_from = today - datetime.timedelta(days=today.weekday(), weeks=DEMO_WEEKS)
    day = plan.day(engagement.contract_signed_on, LAUNCH_FIRST_DAY)
    first = day
    values = []
    while day < six_weeks_from:
        since_go_live = (day - first).days
        for key, (start, per_day) in LAUNCH_EARLY_VALUES.items():
            value = Decimal(start) + Decimal(per_day) * since_go_live
            values.append((key, day, str(value.quantize(Decimal("0.01")))))
        day += datetime.timedelta(days=1)
    return values + six_week_values(engagement)


def the_measurements(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    """Each day's values imported the next Monday, or the morning after a review window
    closed, whichever came first; the rest this morning."""
    from reporting.imports import RawRow
    from reporting.measurements import import_measurements
    from reporting.models import Review

    values = launch_values(engagement)
    today = engagement.today()
    window_ends = {
        review_window(review=review)[1] for review in Review.objects.filter(engagement=engagement)
    }
    batches: dict[datetime.date, list[tuple[str, datetime.date, str]]] = {}
    for key, day, value in values:
        import_day = day + datetime.timedelta(days=1)
        while import_day < today and not (
            import_day.weekday() == 0 or import_day - datetime.timedelta(days=1) in window_ends
        ):
            import_day += datetime.timedelta(days=1)
        batches.setdefault(import_day, []).append((key, day, value))

    def importer(batch):
        def step() -> None:
            rows = [
                RawRow(n + 2, key, day.isoformat(), value)
                for n, (key, day, value) in enumerate(batch)
            ]
            import_measurements(actor=users["pmo"], engagement=engagement, rows=rows)

        return step

    return [(moment_on(day, 8), importer(batch)) for day, batch in sorted(batches.items())]


LAUNCH_PUBLISHED_AFTER = {14: 1, 30: 2, 45: 1, 60: 2}


def the_reviews(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    """Each review computed the morning after its window closed (after that morning's import);
    the published ones' misses explained by the provider that day and published by PMO a day
    or two after the window closed."""
    from reporting.models import Review, ReviewKpiResult
    from reporting.reviews import explain_miss, publish_review, refresh_review

    def refresh(review):
        return lambda: refresh_review(actor=users["pmo"], review=review)

    def explain(review, end):
        def step() -> None:
            missed = ReviewKpiResult.objects.filter(review=review, outcome="missed")
            for result in missed.select_related("kpi").order_by("id"):
                cause, fix = LAUNCH_MISSES.get(
                    (review.day, result.kpi.key),
                    ("Not known yet", "Daily QA sampling of ten calls"),
                )
                explain_miss(
                    actor=users["provider.lead"],
                    result=result,
                    root_cause=cause,
                    corrective_action=fix,
                    action_owner=users["provider.lead"],
                    action_due=end + datetime.timedelta(days=14),
                )

        return step

    def publish(review):
        def step() -> None:
            review.refresh_from_db()
            publish_review(actor=users["pmo"], review=review)

        return step

    steps = []
    for review in Review.objects.filter(engagement=engagement).order_by("day"):
        _start, end = review_window(review=review)
        morning_after = end + datetime.timedelta(days=1)
        steps.append((moment_on(morning_after, 9), refresh(review)))
        if review.day not in LAUNCH_PUBLISHED_REVIEWS:
            continue
        steps.append((moment_on(morning_after, 11), explain(review, end)))
        lag = LAUNCH_PUBLISHED_AFTER.get(review.day, 2)
        steps.append((moment_on(end + datetime.timedelta(days=lag), 16), publish(review)))
    return steps
