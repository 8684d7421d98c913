"""Slow drift, found in weekly means: no single day shows it, four to six weeks add it up.

A KPI drifts in two ways (seed 001, days 61-90):
- **below target**: a week's mean misses the target (per the KPI's direction); the episode
  lasts until a week is back on target;
- **worsening**: the mean got worse three weeks in a row while still on target; the episode
  lasts until a week is no worse than the one before, or until the KPI falls below target
  (from then on it is a below-target episode).

Weeks are ISO weeks (Monday to Sunday). Only weeks that have ended count: a week in progress
could open an alert on one bad morning. This module only computes;
``reporting.drift_alerts.detect_drift`` turns the episodes into ``DriftAlert`` rows, one per
episode.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

BELOW_TARGET = "below_target"
WORSENING = "worsening"
DECLINES_FOR_AN_ALERT = 3


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def last_complete_week(today: datetime.date) -> datetime.date:
    """Monday of the last week whose Sunday is before ``today``."""
    return monday_of(today) - datetime.timedelta(days=7)


@dataclass(frozen=True)
class WeekMean:
    week: datetime.date  # its Monday
    mean: Decimal


@dataclass(frozen=True)
class Episode:
    kind: str
    started_week: datetime.date
    ended_week: datetime.date | None  # the week it stopped holding; None while it holds


def is_met(value: Decimal, *, target: Decimal, direction: str) -> bool:
    return value >= target if direction == "higher" else value <= target


def is_worse(value: Decimal, than: Decimal, *, direction: str) -> bool:
    return value < than if direction == "higher" else value > than


def _episodes_of(flags: Sequence[bool], weeks: Sequence[WeekMean], kind: str) -> list[Episode]:
    """Runs of weeks where ``flags`` holds, each ended by the first week where it does not."""
    episodes, started = [], None
    for week, holds in zip(weeks, flags, strict=True):
        if holds and started is None:
            started = week.week
        elif not holds and started is not None:
            episodes.append(Episode(kind, started, week.week))
            started = None
    if started is not None:
        episodes.append(Episode(kind, started, None))
    return episodes


def find_episodes(weeks: Sequence[WeekMean], *, target: Decimal, direction: str) -> list[Episode]:
    """Every drift episode in a KPI's weekly means (in week order), oldest first per kind."""
    weeks = sorted(weeks, key=lambda week: week.week)
    met = [is_met(week.mean, target=target, direction=direction) for week in weeks]
    # declines[i]: how many weeks running, up to week i, each was worse than the one before.
    declines = []
    for index, week in enumerate(weeks):
        worse = index > 0 and is_worse(week.mean, weeks[index - 1].mean, direction=direction)
        declines.append(declines[-1] + 1 if worse else 0)
    worsening = [
        met[index] and declines[index] >= DECLINES_FOR_AN_ALERT for index in range(len(weeks))
    ]
    below = [not on_target for on_target in met]
    return _episodes_of(below, weeks, BELOW_TARGET) + _episodes_of(worsening, weeks, WORSENING)
