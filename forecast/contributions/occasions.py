"""The reminder the go-live forecast is the occasion for: a slip episode (the go-live forecast
has passed its target) reaches the engagement's leads and PMO once, however long it lasts; the
next episode, after the forecast came back on target, is a new occasion."""

# SQL here is assembled from constants of the code only; every value is a parameter.

from __future__ import annotations

from collections.abc import Callable

from engagements.permissions import is_pmo_or_lead
from engagements.reminders import LEADS, PMO_SEATS, TENANT_PMO, engagement_path, quiet_reason
from forecast.models import SlipEpisode
from forecast.selectors import forecast_of
from kernel import registry
from kernel.occasions import (
    Described,
    DueQuery,
    LedgerRow,
    Occasion,
    ReminderSettings,
    Window,
    sql_date,
)

FORECAST_PAST_TARGET = "forecast_past_target"


def episodes_open(window: Window) -> DueQuery:
    return DueQuery(
        due=(
            "SELECT ep.id, ep.engagement_id, ep.started_on FROM forecast_slipepisode ep "
            "WHERE ep.ended_on IS NULL AND ep.started_on <= %s"
        ),
        due_params=[sql_date(window.latest_date)],
        alias="ep",
        when="ep.started_on <= z.local_date",
        routes=(TENANT_PMO, PMO_SEATS, LEADS),
        once=True,
    )


def describe_episode(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    episode = SlipEpisode.objects.select_related("engagement").filter(pk=row.object_id).first()
    if episode is None:
        return Described(skip="the slip episode was deleted")
    engagement = episode.engagement
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if not episode.open:
        return Described(skip="the go-live forecast is back on target")
    if not is_pmo_or_lead(user=row.recipient, engagement=engagement):
        return Described(skip="the recipient is no longer PMO or a lead here")
    go_live = forecast_of(engagement=engagement, today=row.occasion_date).go_live
    if go_live is None or not go_live.late:
        return Described(skip="the go-live forecast is back on target")
    reasons = "".join(f"\n- {reason.text}." for reason in go_live.reasons)
    return Described(
        title=f"{engagement.name}: {go_live.headline}",
        body=(
            f"The go-live gate is planned for {go_live.target:%A %d %B %Y}; at this "
            f"engagement's own pace it is forecast for {go_live.date:%A %d %B %Y} "
            f"(80% between {go_live.forecast.low:%d %b} and {go_live.forecast.high:%d %b}). "
            f"What drives the slip:{reasons or ' the open work before the gate.'}"
        ),
        link=f"{engagement_path(engagement)}#forecast",
        engagement_link=engagement_path(engagement),
        facts=[
            ("Go-live planned", go_live.target.isoformat()),
            ("Forecast", go_live.date.isoformat()),
            ("Slip", f"{go_live.slip_days} days"),
        ],
    )


registry.occasions.register(
    FORECAST_PAST_TARGET,
    Occasion(kind=FORECAST_PAST_TARGET, query=episodes_open, describe=describe_episode),
)
