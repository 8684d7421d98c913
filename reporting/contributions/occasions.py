"""The reminders reporting is the occasion for: a review in three days (to PMO and the leads)
and still unpublished five days after its date (to PMO); a corrective action due soon and
overdue (to its owner, chased for the tenant's days); a KPI drifting (to the leads, once an
episode)."""

# SQL here is assembled from constants of this module only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections.abc import Callable

from engagements.permissions import is_pmo, is_pmo_or_lead, is_side_lead, seat_of
from engagements.reminders import (
    LEADS,
    PMO_SEATS,
    TENANT_PMO,
    engagement_path,
    quiet_reason,
    seated,
)
from kernel import registry
from kernel.occasions import (
    Described,
    DueQuery,
    LedgerRow,
    Occasion,
    ReminderSettings,
    Route,
    Window,
    days_between,
    due_phrase,
    due_soon,
    placeholders,
    sql_date,
)
from reporting.models import DriftAlert, Kpi, Review, ReviewKpiResult

REVIEW_UPCOMING = "review_upcoming"
REVIEW_UNPUBLISHED = "review_unpublished"
ACTION_DUE_SOON = "action_due_soon"
ACTION_OVERDUE = "action_overdue"
DRIFT_ALERT = "drift_alert"

REVIEW_DAYS_BEFORE = 3
REVIEW_UNPUBLISHED_DAYS_AFTER = 5


# --- Reviews --------------------------------------------------------------------------------


def _scheduled_review(days_on: int, column: str, routes: tuple[Route, ...]):
    """Scheduled reviews ``days_on`` days after a person's local date (before, if negative)."""

    def query(window: Window) -> DueQuery:
        dates = window.shifted(days_on)
        shift = datetime.timedelta(days=days_on)
        return DueQuery(
            due=(
                "SELECT r.id, r.engagement_id, r.scheduled_on FROM reporting_review r "
                f"WHERE r.status = 'scheduled' AND r.scheduled_on IN ({placeholders(dates)})"
            ),
            due_params=dates,
            alias="r",
            when=f"r.scheduled_on = z.{column}",
            routes=routes,
            zone_dates=((column, lambda zone: sql_date(zone.local_date + shift)),),
        )

    return query


def describe_review(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    user = row.recipient
    review = Review.objects.select_related("engagement").filter(pk=row.object_id).first()
    if review is None:
        return Described(skip="the review was deleted")
    engagement = review.engagement
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if review.status != Review.Status.SCHEDULED:
        return Described(skip="the review is published")
    link = f"{engagement_path(engagement)}reviews/{review.public_id}/"
    facts = [("Review", review.title), ("Date", review.scheduled_on.isoformat())]
    day = row.occasion_date
    if row.kind == REVIEW_UPCOMING:
        if (review.scheduled_on - day).days != REVIEW_DAYS_BEFORE:
            return Described(skip="the review's date moved")
        if not is_pmo_or_lead(user=user, engagement=engagement):
            return Described(skip="the recipient is no longer PMO or a lead here")
        return Described(
            title=f"{review} {due_phrase(due_on=review.scheduled_on, today=day, event=True)}",
            body=f"“{review.title}” is scheduled for {review.scheduled_on:%A %d %B %Y}.",
            link=link,
            engagement_link=engagement_path(engagement),
            facts=facts,
            subject=str(review),
            due_on=review.scheduled_on,
        )
    if (day - review.scheduled_on).days != REVIEW_UNPUBLISHED_DAYS_AFTER:
        return Described(skip="the review's date moved")
    if not is_pmo(user=user, engagement=engagement):
        return Described(skip="the recipient is no longer PMO here")
    return Described(
        title=f"{review} is not published yet",
        body=(
            f"“{review.title}” was on {review.scheduled_on:%A %d %B %Y} and was still "
            f"unpublished {REVIEW_UNPUBLISHED_DAYS_AFTER} days later."
        ),
        link=link,
        engagement_link=engagement_path(engagement),
        facts=facts,
    )


# --- Corrective actions of missed KPIs ------------------------------------------------------

ACTIONS = (
    "SELECT a.id, r.engagement_id, a.action_owner_id, a.action_due "
    "FROM reporting_reviewkpiresult a JOIN reporting_review r ON r.id = a.review_id "
    "WHERE a.action_owner_id IS NOT NULL"
)
ACTION_OWNER = seated("a.action_owner_id")


def action_due_soon(window: Window) -> DueQuery:
    return due_soon(rows=ACTIONS, alias="a", due="a.action_due", to=ACTION_OWNER, window=window)


def action_overdue(window: Window) -> DueQuery:
    """An action has no done state: it is chased for the tenant's days after its due date."""
    chase_days = window.longest["action_overdue_days"]
    chase_from = window.earliest_date - datetime.timedelta(days=chase_days + 1)
    return DueQuery(
        due=f"{ACTIONS} AND a.action_due < %s AND a.action_due >= %s",
        due_params=[sql_date(window.latest_date), sql_date(chase_from)],
        alias="a",
        when=(
            f"a.action_due < z.local_date AND {days_between('z.local_date', 'a.action_due')} "
            f"<= {window.setting('action_overdue_days')}"
        ),
        routes=(ACTION_OWNER,),
    )


def describe_action(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    user = row.recipient
    result = (
        ReviewKpiResult.objects.select_related("review__engagement", "kpi")
        .filter(pk=row.object_id)
        .first()
    )
    if result is None:
        return Described(skip="the KPI result was deleted")
    review, engagement = result.review, result.review.engagement
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if result.action_owner_id != user.pk or not seat_of(user=user, engagement=engagement):
        return Described(skip="the recipient no longer owns the corrective action here")
    if result.action_due is None:
        return Described(skip="the corrective action has no due date")
    days_left = (result.action_due - row.occasion_date).days
    settings = policy()
    subject = f"Corrective action for {result.kpi.name}"
    if row.kind == ACTION_DUE_SOON:
        if days_left not in settings.lead_days:
            return Described(skip="the corrective action's due date moved")
    elif not 0 < -days_left <= settings.action_overdue_days:
        return Described(skip="the corrective action's due date moved")
    return Described(
        subject=subject,
        due_on=result.action_due,
        title=f"{subject} {due_phrase(due_on=result.action_due, today=row.occasion_date)}",
        body=f"{result.corrective_action} (due {result.action_due:%A %d %B %Y}, {review}).",
        link=f"{engagement_path(engagement)}reviews/{review.public_id}/#result-{result.public_id}",
        engagement_link=engagement_path(engagement),
        facts=[("KPI", result.kpi.name), ("Due", result.action_due.isoformat())],
    )


# --- KPI drift --------------------------------------------------------------------------------


def drift_alert(window: Window) -> DueQuery:
    """Once per episode: an open alert reaches each lead on the first scan that finds them
    (the next 08:00 in their zone), and never again while it stays open."""
    return DueQuery(
        due=(
            "SELECT d.id, k.engagement_id FROM reporting_driftalert d "
            "JOIN reporting_kpi k ON k.id = d.kpi_id WHERE d.ended_week IS NULL"
        ),
        due_params=[],
        alias="d",
        when="",
        routes=(LEADS,),
        once=True,
    )


def _number(value) -> str:
    return format(value.normalize(), "f")


def describe_drift(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    alerts = DriftAlert.objects.select_related("kpi__engagement")
    alert = alerts.filter(pk=row.object_id).first()
    if alert is None:
        return Described(skip="the drift alert was deleted")
    kpi, engagement = alert.kpi, alert.kpi.engagement
    if not alert.is_open:
        return Described(skip=f"{kpi.name} recovered")
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if not is_side_lead(user=row.recipient, engagement=engagement):
        return Described(skip="the recipient is no longer a lead here")
    target = f"{_number(kpi.target)}{f' {kpi.unit}' if kpi.unit else ''}"
    better = "higher" if kpi.direction == Kpi.Direction.HIGHER else "lower"
    since = f"the week of Monday {alert.started_week:%d %B %Y}"
    if alert.kind == DriftAlert.Kind.BELOW_TARGET:
        title = f"{kpi.name} is below its target of {target}"
        body = f"Its weekly mean has missed the target since {since} ({better} is better)."
    else:
        title = f"{kpi.name} has got worse three weeks running"
        body = (
            f"Still on its target of {target} ({better} is better), but worse week after "
            f"week since {since}: a slow drift that daily figures hide."
        )
    return Described(
        title=title,
        body=f"{body} You hear about this episode once; the KPI page shows when it ends.",
        link=f"{engagement_path(engagement)}kpis/{kpi.public_id}/",
        engagement_link=engagement_path(engagement),
        facts=[
            ("KPI", kpi.name),
            ("Target", target),
            ("Drift", alert.get_kind_display()),
            ("Since", alert.started_week.isoformat()),
        ],
    )


for kind, query, describe in (
    (
        REVIEW_UPCOMING,
        _scheduled_review(REVIEW_DAYS_BEFORE, "review_soon", (TENANT_PMO, PMO_SEATS, LEADS)),
        describe_review,
    ),
    (
        REVIEW_UNPUBLISHED,
        _scheduled_review(-REVIEW_UNPUBLISHED_DAYS_AFTER, "review_late", (TENANT_PMO, PMO_SEATS)),
        describe_review,
    ),
    (ACTION_DUE_SOON, action_due_soon, describe_action),
    (ACTION_OVERDUE, action_overdue, describe_action),
    (DRIFT_ALERT, drift_alert, describe_drift),
):
    registry.occasions.register(kind, Occasion(kind=kind, query=query, describe=describe))
