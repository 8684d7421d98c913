"""The go-live forecast as pure arithmetic: no database, no clock; the callers hand it facts.

A gate is reached when the work before it is done. Three things say when that will be:

- **the schedule**, per side: the plan's remaining span before the gate, stretched by how late
  that side has been so far (earned schedule: ``k = days elapsed / days of plan earned``);
- **the pace**, per side: the side's open work before the gate at the milestones it has closed
  per week lately (recent weeks weigh more: exponentially, with a half-life of two weeks);
- **the critical path**: the longest chain of open milestones through their dependencies, each
  taking its planned span stretched by its side's lateness, so one long chain outweighs many
  short ones.

Per side, the schedule and the pace are two estimates of the same finish: the forecast takes
their mean (steadier than either; ``forecast.backtest`` measures it), the latest side's, and
the critical path's end when that is later. Its 80% interval is the same arithmetic with the
pace and the lateness at the ends of their observed spread. ``explain`` says which milestones
drive a slip, in words.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

WEEK = 7
HISTORY_WEEKS = 8  # the weeks of closures the pace reads
HALF_LIFE_WEEKS = 2.0  # a closure two weeks ago weighs half as much as one this week
# How many milestones' worth of the plan's own pace and lateness a side starts with, so that a
# side that has closed little yet is not judged on one or two milestones.
PRIOR_WEIGHT = 4.0
LATENESS_BOUNDS = (0.6, 4.0)
Z80 = 1.2816  # the 10th and 90th percentiles of a normal spread: an 80% interval
REASONS = 5


@dataclass(frozen=True)
class Step:
    """A milestone as the model sees it. ``done_on`` None: still open (cancelled ones are left
    out by the caller). ``starts`` is when its phase is planned to start."""

    key: Hashable
    title: str
    owner: str
    side: str
    phase: int  # the phase's position
    phase_name: str
    starts: datetime.date
    due: datetime.date
    done_on: datetime.date | None = None
    depends_on: tuple[Hashable, ...] = ()
    blocked: bool = False

    @property
    def open(self) -> bool:
        return self.done_on is None


@dataclass(frozen=True)
class Pace:
    """A side's pace: milestones closed per week (recent weeks weigh more), its spread, and how
    late it runs against the plan (1.0 on plan, 1.5: everything takes half as long again)."""

    side: str
    per_week: float
    spread: float  # the standard error of ``per_week``
    lateness: float
    lateness_spread: float  # the standard deviation of log(lateness)
    closed: int


@dataclass(frozen=True)
class Chain:
    """The longest chain of open milestones before a gate, and when it ends."""

    keys: tuple[Hashable, ...]
    ends: datetime.date


@dataclass(frozen=True)
class Forecast:
    target: datetime.date
    date: datetime.date
    low: datetime.date
    high: datetime.date
    open_steps: int
    driver: str  # "schedule", "pace", "critical path" or "done"
    chain: Chain | None
    paces: dict[str, Pace] = field(default_factory=dict)

    @property
    def slip_days(self) -> int:
        return (self.date - self.target).days

    @property
    def late(self) -> bool:
        return self.date > self.target


# --- Pace ---------------------------------------------------------------------------------


def week_weights(weeks: int = HISTORY_WEEKS, half_life: float = HALF_LIFE_WEEKS) -> list[float]:
    """The weight of each week back from today (index 0: the week ending today)."""
    return [0.5 ** (index / half_life) for index in range(weeks)]


def weekly_closures(
    done_on: Iterable[datetime.date], *, today: datetime.date, weeks: int
) -> list[int]:
    """Closures in each of the ``weeks`` weeks ending today (index 0: the latest week)."""
    counts = [0] * weeks
    for day in done_on:
        back = (today - day).days
        if 0 <= back < weeks * WEEK:
            counts[back // WEEK] += 1
    return counts


def weighted_pace(counts: Sequence[int], *, prior: float, prior_weight: float = 1.0):
    """The exponentially weighted mean of weekly ``counts`` (index 0 the latest), pulled towards
    ``prior`` as if it were ``prior_weight`` weeks of history, and its standard error."""
    weights = week_weights(len(counts))
    total = sum(weights) + prior_weight
    mean = (sum(w * c for w, c in zip(weights, counts, strict=True)) + prior_weight * prior) / total
    variance = (
        sum(w * (c - mean) ** 2 for w, c in zip(weights, counts, strict=True))
        + prior_weight * (prior - mean) ** 2
    ) / total
    # Effective number of weeks (Kish): how much history the weights really hold.
    effective = total**2 / (sum(w * w for w in weights) + prior_weight**2)
    return mean, math.sqrt(variance / max(effective, 1.0))


def earned_day(steps: Sequence[Step], *, today: datetime.date) -> datetime.date:
    """Earned schedule: the date by which the plan expected as many of ``steps`` done as are
    done by today (the nth due date, n the number done)."""
    done = sum(1 for step in steps if step.done_on is not None and step.done_on <= today)
    dues = sorted(step.due for step in steps)
    if done == 0 or not dues:
        return min((step.starts for step in steps), default=today)
    return dues[done - 1]


def side_pace(
    steps: Sequence[Step], *, side: str, day0: datetime.date, today: datetime.date
) -> Pace:
    """The pace of one side, from its own closures and lateness so far."""
    own = [step for step in steps if step.side == side]
    weeks = max(1, min(HISTORY_WEEKS, math.ceil(max((today - day0).days, 0) / WEEK)))
    counts = weekly_closures(
        (step.done_on for step in own if step.done_on is not None), today=today, weeks=weeks
    )
    first = min((step.starts for step in own), default=day0)
    last = max((step.due for step in own), default=today)
    planned_per_week = len(own) * WEEK / max((last - first).days, WEEK)
    per_week, spread = weighted_pace(counts, prior=planned_per_week)
    closed = sum(1 for step in own if step.done_on is not None)
    # Lateness: days elapsed over days of plan earned, pulled to 1.0 while little is closed.
    start = min(first, day0)
    elapsed = max((today - start).days, 0)
    earned = max((earned_day(own, today=today) - start).days, 0)
    raw = elapsed / earned if earned > 0 else (LATENESS_BOUNDS[1] if elapsed > 14 else 1.0)
    raw = min(max(raw, LATENESS_BOUNDS[0]), LATENESS_BOUNDS[1])
    lateness = math.exp((closed * math.log(raw) + PRIOR_WEIGHT * 0.0) / (closed + PRIOR_WEIGHT))
    lateness_spread = min(0.2 + 0.6 / math.sqrt(closed + 1), 0.4)
    return Pace(side, per_week, spread, lateness, lateness_spread, closed)


def paces(steps: Sequence[Step], *, day0: datetime.date, today: datetime.date) -> dict[str, Pace]:
    return {
        side: side_pace(steps, side=side, day0=day0, today=today)
        for side in sorted({step.side for step in steps})
    }


# --- The critical path --------------------------------------------------------------------


def planned_begin(step: Step, by_key: dict[Hashable, Step]) -> datetime.date:
    """When the plan has a milestone begin: its latest dependency's due date, or its phase's
    start."""
    return max([step.starts, *(by_key[key].due for key in step.depends_on if key in by_key)])


def planned_span(step: Step, by_key: dict[Hashable, Step]) -> int:
    """Days the plan gives a milestone, from its planned beginning to its due date (at least
    one)."""
    return max((step.due - planned_begin(step, by_key)).days, 1)


def critical_chain(
    steps: Sequence[Step],
    *,
    today: datetime.date,
    stretch: dict[str, float],
    within: set[Hashable] | None = None,
) -> Chain | None:
    """The chain of open milestones (``within`` only, when given) that ends last when each
    begins once its plan says and its open dependencies end, and takes its planned span times
    its side's ``stretch`` (ending today at the earliest). A dependency cycle is cut where it
    closes."""
    by_key = {step.key: step for step in steps}
    chosen = [step for step in steps if step.open and (within is None or step.key in within)]
    ends: dict[Hashable, tuple[float, tuple]] = {}
    visiting: set[Hashable] = set()

    def finish(step: Step) -> tuple[float, tuple]:
        if step.key in ends:
            return ends[step.key]
        visiting.add(step.key)
        # Not before its planned start (days from today: negative when that has passed).
        begins = float((planned_begin(step, by_key) - today).days)
        latest, path = None, ()
        for key in step.depends_on:
            before = by_key.get(key)
            if before is None or not before.open or key in visiting:
                continue
            end, before_path = finish(before)
            if latest is None or end > latest:
                latest, path = end, before_path
        if latest is not None:
            begins = max(begins, latest)
        visiting.discard(step.key)
        span = planned_span(step, by_key) * stretch.get(step.side, 1.0)
        # Open today: it ends today at the earliest.
        ends[step.key] = (max(begins + span, 0.0), (*path, step.key))
        return ends[step.key]

    best: tuple[float, tuple] | None = None
    for step in chosen:
        result = finish(step)
        if best is None or result[0] > best[0]:
            best = result
    if best is None:
        return None
    return Chain(keys=best[1], ends=today + datetime.timedelta(days=math.ceil(best[0])))


# --- The forecast -------------------------------------------------------------------------


def _terms(
    work: Sequence[Step],
    steps: Sequence[Step],
    *,
    today: datetime.date,
    target: datetime.date,
    pace_of: dict[str, float],
    stretch: dict[str, float],
    earned: dict[str, datetime.date],
) -> tuple[float, str, Chain | None]:
    """The latest of the schedule, pace and critical-path finishes, in days from today."""
    by_side: dict[str, list[Step]] = defaultdict(list)
    for step in work:
        by_side[step.side].append(step)
    best, driver = 0.0, "schedule"
    for side, open_steps in by_side.items():
        last_due = max(step.due for step in open_steps)
        # Earned schedule: the side's plan still to go (from the day it has earned to its last
        # open milestone's due date), at its lateness.
        schedule = max((last_due - earned[side]).days, 0) * stretch[side]
        pace = len(open_steps) / max(pace_of[side], 0.05) * WEEK
        # Two estimates of the same finish: their mean is steadier than either (the backtest,
        # forecast.backtest, shows it; the later of the two overshoots by weeks).
        value = (schedule + pace) / 2
        if value > best:
            best, driver = value, ("pace" if pace > schedule else "schedule")
    chain = critical_chain(steps, today=today, stretch=stretch, within={step.key for step in work})
    if chain is not None and (chain.ends - today).days > best:
        best, driver = float((chain.ends - today).days), "critical path"
    return best, driver, chain


def forecast_gate(
    steps: Sequence[Step],
    *,
    gate_phase: int,
    target: datetime.date,
    day0: datetime.date,
    today: datetime.date,
    side_paces: dict[str, Pace] | None = None,
) -> Forecast:
    """When the gate closing phase ``gate_phase`` will be reached (``target``: its plan date),
    with an 80% interval. ``steps`` are every milestone of the engagement (done and open)."""
    side_paces = side_paces or paces(steps, day0=day0, today=today)
    work = [step for step in steps if step.open and step.phase <= gate_phase]
    if not work:
        return Forecast(target, today, today, today, 0, "done", None, side_paces)
    earned = {
        side: earned_day([s for s in steps if s.side == side], today=today) for side in side_paces
    }

    def run(z: float) -> tuple[float, str, Chain | None]:
        # z > 0: the pessimistic end (slower pace, more lateness), z < 0 the optimistic one.
        # The slow end of the pace is at most a third slower (a spread wider than the pace
        # itself says little history, not a standstill).
        pace_of = {
            s: max(p.per_week - z * p.spread, p.per_week / 1.5, 0.05) for s, p in side_paces.items()
        }
        stretch = {s: p.lateness * math.exp(z * p.lateness_spread) for s, p in side_paces.items()}
        return _terms(
            work,
            steps,
            today=today,
            target=target,
            pace_of=pace_of,
            stretch=stretch,
            earned=earned,
        )

    days, driver, chain = run(0.0)
    low, _, _ = run(-Z80)
    high, _, _ = run(Z80)
    on = today + datetime.timedelta(days=math.ceil(days))
    return Forecast(
        target=target,
        date=on,
        low=min(today + datetime.timedelta(days=math.ceil(low)), on),
        high=max(today + datetime.timedelta(days=math.ceil(high)), on),
        open_steps=len(work),
        driver=driver,
        chain=chain,
        paces=side_paces,
    )


# --- Why, in words --------------------------------------------------------------------------

SIDE_WORDS = {"client": "the client", "provider": "the provider", "joint": "both sides"}


@dataclass(frozen=True)
class Reason:
    """One thing that drives a slip: its words, the milestones it is about and their owners."""

    text: str
    keys: tuple[Hashable, ...]
    owners: tuple[str, ...]
    weight: float  # how far it runs past the target, in days (for ordering)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _owners_words(steps: Sequence[Step]) -> str:
    counts = Counter(step.owner for step in steps)
    owner, most = counts.most_common(1)[0]
    if len(steps) > 1 and most > 1:
        return f", {most} of them on one owner ({owner})"
    names = ", ".join(dict.fromkeys(step.owner for step in steps))
    return f" ({names})"


def explain(
    forecast: Forecast, steps: Sequence[Step], *, gate_phase: int, today: datetime.date
) -> list[Reason]:
    """The (at most five) milestones or chains that drive the forecast past its target, most
    pressing first: the critical chain, and the open work grouped by phase and side (the
    overdue and blocked first), with their owners. None when the forecast is on target."""
    if not forecast.late:
        return []
    by_key = {step.key: step for step in steps}
    work = [step for step in steps if step.open and step.phase <= gate_phase]
    reasons: list[Reason] = []
    chain = forecast.chain
    if chain is not None and len(chain.keys) > 1:
        links = [by_key[key] for key in chain.keys]
        path = " → ".join(f"{step.title} ({step.owner})" for step in links)
        reasons.append(
            Reason(
                text=f"A chain of {len(links)} open milestones ends {chain.ends:%-d %b}: {path}",
                keys=chain.keys,
                owners=tuple(dict.fromkeys(step.owner for step in links)),
                weight=float((chain.ends - forecast.target).days),
            )
        )
    groups: dict[tuple[str, str], list[Step]] = defaultdict(list)
    for step in work:
        groups[(step.phase_name, step.side)].append(step)
    for (phase_name, side), group in groups.items():
        pace = forecast.paces.get(side)
        overdue = [step for step in group if step.due < today]
        blocked = [step for step in group if step.blocked]
        pressing = overdue or blocked or group
        state = "overdue" if overdue else ("blocked" if blocked else "open")
        text = (
            f"{_plural(len(pressing), f'{phase_name} milestone')} {state}, waiting on "
            f"{SIDE_WORDS.get(side, side)}{_owners_words(pressing)}"
        )
        if pace is not None and pace.lateness > 1.05:
            text += f"; that side takes {pace.lateness:.1f} times its planned time"
        latest_due = max(step.due for step in group)
        weight = (
            len(pressing) * (2.0 if overdue or blocked else 1.0)
            + max((today - min(step.due for step in pressing)).days, 0)
            + (latest_due - forecast.target).days * 0.1
        )
        reasons.append(
            Reason(
                text=text,
                keys=tuple(step.key for step in pressing),
                owners=tuple(dict.fromkeys(step.owner for step in pressing)),
                weight=weight,
            )
        )
    chain_first = reasons[:1] if chain is not None and len(chain.keys) > 1 else []
    rest = sorted(reasons[len(chain_first) :], key=lambda reason: -reason.weight)
    return (chain_first + rest)[:REASONS]


def headline(forecast: Forecast, *, name: str, reasons: Sequence[Reason]) -> str:
    """'Go-live forecast 14 Mar (target 28 Feb): 6 access milestones overdue, …'"""
    words = f"{name} forecast {forecast.date:%-d %b} (target {forecast.target:%-d %b})"
    if reasons:
        return f"{words}: {lead_reason(reasons)}"
    return words


def lead_reason(reasons: Sequence[Reason]) -> str:
    """The most pressing group of milestones (a chain reads too long for a headline)."""
    for reason in reasons:
        if not reason.text.startswith("A chain"):
            return reason.text
    return reasons[0].text
