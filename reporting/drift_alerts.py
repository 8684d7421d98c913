"""Drift alerts: the episodes ``reporting.drift`` finds in a KPI's weekly means, kept as
``DriftAlert`` rows, one per episode (opened when it starts, closed when the KPI recovers)."""

from __future__ import annotations

import datetime

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement
from reporting import drift
from reporting.kpi_selectors import weekly_means
from reporting.models import DriftAlert, Kpi


def _alert_matches(alert: DriftAlert, episode: drift.Episode) -> bool:
    """The stored alert and the computed episode overlap in time: they are one episode."""
    alert_end = alert.ended_week or datetime.date.max
    episode_end = episode.ended_week or datetime.date.max
    return alert.started_week < episode_end and episode.started_week < alert_end


@operation("kpi.drift_detected", tenant_of="engagement")
def detect_drift(*, engagement: Engagement, actor: User | None = None) -> list[DriftAlert]:
    """Open an alert when a drift episode starts, close it when the KPI recovers.

    Runs after every measurement write and daily from beat; running it again changes nothing.
    Episodes come from the weekly means of weeks that have ended (``reporting.drift``). An
    alert stands for one episode: a stored alert that overlaps a computed episode is that
    episode (its weeks follow corrected data), an episode no alert covers opens a new one, and
    an open alert whose episode no longer holds is closed. Returns the alerts it opened.
    """
    kpis = list(Kpi.objects.select_for_update().filter(engagement_id=engagement.pk))
    if not kpis:
        return []
    last_week = drift.last_complete_week(engagement.today())
    means = weekly_means(kpis=kpis, until=last_week + datetime.timedelta(days=6))
    stored: dict[tuple[int, str], list[DriftAlert]] = {}
    for alert in DriftAlert.objects.filter(kpi__in=kpis).order_by("started_week"):
        stored.setdefault((alert.kpi_id, alert.kind), []).append(alert)
    opened, changes = [], []
    for kpi in kpis:
        episodes = drift.find_episodes(
            means.get(kpi.pk, []), target=kpi.target, direction=kpi.direction
        )
        for kind in DriftAlert.Kind.values:
            alerts = stored.get((kpi.pk, kind), [])
            matched: set[int] = set()
            for episode in (episode for episode in episodes if episode.kind == kind):
                alert = next(
                    (a for a in alerts if a.pk not in matched and _alert_matches(a, episode)),
                    None,
                )
                if alert is None:
                    alert = DriftAlert(
                        tenant_id=kpi.tenant_id,
                        kpi=kpi,
                        kind=kind,
                        started_week=episode.started_week,
                        ended_week=episode.ended_week,
                    )
                    (opened if episode.ended_week is None else changes).append((alert, {}))
                    continue
                matched.add(alert.pk)
                changes.append(
                    (
                        alert,
                        {
                            "started_week": min(alert.started_week, episode.started_week),
                            "ended_week": episode.ended_week,
                        },
                    )
                )
            # An open alert that no episode holds any more: corrected data says it never
            # started, so it ends in the week it started.
            changes += [
                (alert, {"ended_week": alert.started_week})
                for alert in alerts
                if alert.ended_week is None and alert.pk not in matched
            ]
    # Closings first, openings last: at most one open alert per KPI and kind at any moment.
    changes.sort(key=lambda change: change[1].get("ended_week", 0) is None)
    by_pk = {kpi.pk: kpi for kpi in kpis}
    for alert, values in changes + opened:
        alert.kpi = by_pk[alert.kpi_id]
        if alert.pk is None:
            alert.save()
            audit.record_created(actor=actor, instance=alert)
        elif any(getattr(alert, field) != value for field, value in values.items()):
            audit.change(actor=actor, instance=alert, **values)
    return [alert for alert, _values in opened]
