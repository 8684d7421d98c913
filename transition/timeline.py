"""The phase timeline of an engagement, laid out for an SVG drawn by the server.

Each phase is one row: its planned bar, its actual bar (to today while it runs) and its gate
as a diamond at the end. A gate that slipped (its phase ends later than first planned), is
overdue (not approved and its date has passed) or was approved after its first date is late:
it is drawn in the late colour and says so in words, beside the row and in its tooltip.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engagements.models import Engagement, Phase

WIDTH = 1000
LABEL_WIDTH = 230  # the phase names and their gate words
RIGHT_PAD = 24
TOP = 40  # the axis labels and today's label above them
ROW_HEIGHT = 52
BOTTOM = 12
MAX_TICKS = 9
TICK_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)
# Today is drawn when it lies this close to the plan; further away the chart would squash.
TODAY_MARGIN = datetime.timedelta(days=21)


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class GateMark:
    name: str
    x: float
    y: float
    late: bool
    approved: bool
    words: str  # what the row says, e.g. "Gate slipped 5 days"
    title: str  # the tooltip: the same in full, with the dates
    baseline_x: float | None = None  # where the gate was first planned, when it moved

    @property
    def points(self) -> str:
        size = 8
        return (
            f"{self.x:.1f},{self.y - size:.1f} {self.x + size:.1f},{self.y:.1f} "
            f"{self.x:.1f},{self.y + size:.1f} {self.x - size:.1f},{self.y:.1f}"
        )

    @property
    def baseline_points(self) -> str:
        if self.baseline_x is None:
            return ""
        size = 6
        x, y = self.baseline_x, self.y
        return (
            f"{x:.1f},{y - size:.1f} {x + size:.1f},{y:.1f} "
            f"{x:.1f},{y + size:.1f} {x - size:.1f},{y:.1f}"
        )


@dataclass(frozen=True)
class ForecastInput:
    """What the forecast says of a gate (``forecast.selectors``): its date and 80% interval."""

    date: datetime.date
    low: datetime.date
    high: datetime.date
    late: bool
    words: str  # e.g. "Go-live forecast 14 Mar (target 28 Feb): ..."


@dataclass(frozen=True)
class ForecastMark:
    """The forecast of a gate on its row: a marker at the date, a whisker over the interval."""

    x: float
    low_x: float
    high_x: float
    y: float
    late: bool
    title: str

    @property
    def points(self) -> str:
        size = 5
        return (
            f"{self.x:.1f},{self.y - size:.1f} {self.x + size:.1f},{self.y + size:.1f} "
            f"{self.x - size:.1f},{self.y + size:.1f}"
        )


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    title: str


@dataclass(frozen=True)
class TimelineRow:
    phase: Phase
    label: str
    status: str
    y: float
    planned: Bar
    actual: Bar | None
    actual_late: bool
    gate: GateMark | None
    ghost: Bar | None = None  # the phase's span in the saved baseline, when it moved
    forecast: ForecastMark | None = None

    @property
    def label_y(self) -> float:
        return self.y + 20

    @property
    def words_y(self) -> float:
        return self.y + 38

    @property
    def planned_y(self) -> float:
        return self.y + 9

    @property
    def actual_y(self) -> float:
        return self.y + 27


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    rows: list[TimelineRow]
    ticks: list[Tick]
    today_x: float | None
    today_label: str
    today_after: bool  # today lies far beyond the plan: the chart says so instead of a line
    go_live_x: float | None
    go_live_label: str
    width: int = WIDTH
    height: int = 0
    chart_left: int = LABEL_WIDTH
    chart_right: int = WIDTH - RIGHT_PAD
    late_gates: list[GateMark] = field(default_factory=list)

    @property
    def axis_y(self) -> int:
        return TOP - 6

    @property
    def bottom_y(self) -> float:
        return self.height - BOTTOM / 2

    @property
    def summary(self) -> str:
        if not self.late_gates:
            return "No gate is late."
        return "Late: " + "; ".join(
            f"{gate.name}: {gate.words.lower()}" for gate in self.late_gates
        )


def _tick_step(span_days: int) -> int:
    for step in TICK_STEPS:
        if span_days / step <= MAX_TICKS:
            return step
    return TICK_STEPS[-1]


def _gate_mark(
    *,
    phase: Phase,
    baseline: datetime.date,
    today: datetime.date,
    x_of,
    y: float,
) -> GateMark | None:
    gate = getattr(phase, "gate", None)
    if gate is None:
        return None
    approved = gate.status == "approved" and phase.actual_end is not None
    planned = phase.planned_end
    was = f" (first planned for {baseline:%-d %b})" if planned != baseline else ""
    if approved:
        late_by = (phase.actual_end - baseline).days
        at = phase.actual_end
        words = f"Gate approved {_days(late_by)} late" if late_by > 0 else "Gate approved on time"
        title = f"{gate.name}: approved {at:%-d %b %Y}{was}. {words}."
    else:
        at = planned
        slipped = (planned - baseline).days
        overdue = (today - planned).days
        parts = []
        if slipped > 0:
            parts.append(f"slipped {_days(slipped)}")
        if overdue > 0:
            parts.append(f"overdue {_days(overdue)}")
        if parts:
            # Beside the row the most pressing fact; the tooltip and the list say both.
            words = f"Gate {parts[-1]}"
        elif slipped < 0:
            words = f"Gate due {planned:%-d %b}, {_days(-slipped)} early"
        else:
            words = f"Gate due {planned:%-d %b}"
        late_by = max(slipped, overdue)
        title = f"{gate.name} ({gate.get_status_display().lower()}): due {planned:%-d %b %Y}{was}."
        if parts:
            title += f" Gate {' and '.join(parts)}."
    end_of = datetime.timedelta(days=1)  # a gate closes its phase's last day
    return GateMark(
        name=gate.name,
        x=x_of(at + end_of),
        y=y,
        late=late_by > 0,
        approved=approved,
        words=words,
        title=title,
        baseline_x=x_of(baseline + end_of) if baseline != at else None,
    )


def build_timeline(
    *,
    engagement: Engagement,
    phases: Iterable[Phase],
    baselines: Mapping[int, datetime.date],
    today: datetime.date,
    baseline_spans: Mapping[int, tuple[datetime.date, datetime.date]] | None = None,
    baseline_name: str = "",
    forecasts: Mapping[int, ForecastInput] | None = None,
) -> Timeline:
    """Rows, ticks and marks of the timeline; ``baselines`` are the first gate dates by phase
    id (a phase missing there counts as never moved). ``baseline_spans`` are the phases'
    planned (start, end) in a saved baseline (``baseline_name``): a phase that moved since
    shows that span as a ghost bar. ``forecasts``, the open gates' forecasts by phase id, each
    drawn as a marker with its interval."""
    phases = list(phases)
    baseline_spans = baseline_spans or {}
    forecasts = forecasts or {}
    plan_dates = [engagement.contract_signed_on, engagement.target_go_live]
    for phase in phases:
        plan_dates += [phase.planned_start, phase.planned_end, baselines.get(phase.pk)]
        plan_dates += list(baseline_spans.get(phase.pk, ()))
        plan_dates += [phase.actual_start, phase.actual_end]
    plan_dates = [date for date in plan_dates if date is not None]
    start, end = min(plan_dates), max(plan_dates)
    show_today = start - TODAY_MARGIN <= today <= end + TODAY_MARGIN
    if show_today:
        start, end = min(start, today), max(end, today)
    # Forecasts stretch the chart as far as today may; one further out sits at its right edge
    # and says its date in words.
    horizon = end + TODAY_MARGIN
    for forecast in forecasts.values():
        end = max(end, min(forecast.high, horizon))
    end += datetime.timedelta(days=1)  # a phase ends at the end of its last day
    span = max((end - start).days, 1)
    chart_left, chart_right = LABEL_WIDTH, WIDTH - RIGHT_PAD
    scale = (chart_right - chart_left) / span

    def x_of(date: datetime.date) -> float:
        return chart_left + (date - start).days * scale

    rows = []
    for index, phase in enumerate(phases):
        y = TOP + index * ROW_HEIGHT
        planned_end = phase.planned_end + datetime.timedelta(days=1)
        planned = Bar(
            x=x_of(phase.planned_start),
            width=max(x_of(planned_end) - x_of(phase.planned_start), 2),
            title=f"Planned {phase.planned_start:%-d %b} to {phase.planned_end:%-d %b %Y}",
        )
        actual, actual_late = None, False
        if phase.actual_start is not None:
            finished = phase.actual_end
            until = finished or today
            actual_late = until > phase.planned_end
            until_label = f"{finished:%-d %b %Y}" if finished else "today (running)"
            actual = Bar(
                x=x_of(phase.actual_start),
                width=max(x_of(until + datetime.timedelta(days=1)) - x_of(phase.actual_start), 2),
                title=f"Actual {phase.actual_start:%-d %b} to {until_label}",
            )
        ghost = None
        span_kept = baseline_spans.get(phase.pk)
        if span_kept is not None and span_kept != (phase.planned_start, phase.planned_end):
            kept_start, kept_end = span_kept
            ghost = Bar(
                x=x_of(kept_start),
                width=max(x_of(kept_end + datetime.timedelta(days=1)) - x_of(kept_start), 2),
                title=f"Baseline “{baseline_name}”: {kept_start:%-d %b} to {kept_end:%-d %b %Y}",
            )
        forecast_mark = None
        if (forecast := forecasts.get(phase.pk)) is not None:
            end_of = datetime.timedelta(days=1)
            last = end - end_of

            def clamped(date: datetime.date, last=last, end_of=end_of) -> float:
                return x_of(min(date, last) + end_of)

            forecast_mark = ForecastMark(
                x=clamped(forecast.date),
                low_x=clamped(forecast.low),
                high_x=clamped(forecast.high),
                y=y + 45,
                late=forecast.late,
                title=(
                    f"{forecast.words}. 80% between {forecast.low:%-d %b} and "
                    f"{forecast.high:%-d %b %Y}."
                ),
            )
        rows.append(
            TimelineRow(
                ghost=ghost,
                forecast=forecast_mark,
                phase=phase,
                label=f"{phase.position}. {phase.get_kind_display()}",
                status=phase.get_status_display(),
                y=y,
                planned=planned,
                actual=actual,
                actual_late=actual_late,
                gate=_gate_mark(
                    phase=phase,
                    baseline=baselines.get(phase.pk, phase.planned_end),
                    today=today,
                    x_of=x_of,
                    y=y + 18,
                ),
            )
        )

    step = _tick_step(span)
    ticks = []
    day = start
    while day <= end:
        ticks.append(Tick(x=x_of(day), label=f"{day:%-d %b}"))
        day += datetime.timedelta(days=step)

    day_number = (today - engagement.contract_signed_on).days
    timeline = Timeline(
        rows=rows,
        ticks=ticks,
        today_x=x_of(today) if show_today else None,
        today_label=f"Today, day {day_number}",
        today_after=not show_today and today > end,
        go_live_x=x_of(engagement.target_go_live),
        go_live_label=f"Target go-live {engagement.target_go_live:%-d %b}",
        height=TOP + len(rows) * ROW_HEIGHT + BOTTOM,
        chart_left=chart_left,
        chart_right=chart_right,
    )
    timeline.late_gates = [row.gate for row in rows if row.gate is not None and row.gate.late]
    return timeline
