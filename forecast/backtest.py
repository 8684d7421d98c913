"""A backtest of the go-live forecast on simulated histories (pure: no database).

Each synthetic engagement has a plan (six phases, 3 to 12 milestones each, on three sides, with
dependencies) and a true history drawn from it: each side works at its own speed (some
engagements run early, most run late), every milestone varies around it, a few slip badly
(blocked for one to four weeks), a milestone starts when its plan says and its dependencies are
done, and a phase's work starts only once the gate before it is approved. Go-live is the
controlled go-live gate's approval.

At 25%, 50% and 75% of the go-live plan's milestones done, the forecast sees what the app would
see (the plan, which milestones are done and when) and says when go-live will be. The naive
forecast is the plan's current date: the target moved by the slip of the last approved gate (as
a re-plan moves the dates behind a late gate), and never before today.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
from dataclasses import dataclass

from forecast.model import Step, forecast_gate

SIDES = ("client", "provider", "joint")
PHASES = ("kickoff", "transition", "access", "tooling", "controlled_go_live", "stabilisation")
GO_LIVE_PHASE = 5
CHECKPOINTS = (0.25, 0.5, 0.75)
DAY0 = datetime.date(2026, 1, 5)


@dataclass(frozen=True)
class History:
    steps: list[Step]  # the plan, with each milestone's true finish as ``done_on``
    gate_plan: dict[int, datetime.date]
    gate_actual: dict[int, datetime.date]

    @property
    def target(self) -> datetime.date:
        return self.gate_plan[GO_LIVE_PHASE]

    @property
    def go_live(self) -> datetime.date:
        return self.gate_actual[GO_LIVE_PHASE]


def simulate(rng: random.Random) -> History:
    """One engagement: its plan and what really happened."""
    span = rng.randint(42, 100)
    weights = [1.0, 2.0, 2.0, 2.0, 1.5, 2.0]
    total = sum(weights)
    bounds, start = [], DAY0
    for weight in weights:
        length = max(round(span * weight / total), 4)
        bounds.append((start, start + datetime.timedelta(days=length - 1)))
        start += datetime.timedelta(days=length)
    speed = {side: math.exp(rng.gauss(0.15, 0.3)) for side in SIDES}
    plan: list[Step] = []
    for index, (begins, ends) in enumerate(bounds, start=1):
        length = (ends - begins).days + 1
        earlier = [step for step in plan if step.phase == index - 1]
        for number in range(rng.randint(3, 12)):
            due = begins + datetime.timedelta(days=rng.randint(min(2, length - 1), length - 1))
            candidates = [s for s in plan if s.phase == index and s.due < due] + earlier
            depends = ()
            if candidates and rng.random() < 0.6:
                depends = (rng.choice(candidates).key,)
            plan.append(
                Step(
                    key=(index, number),
                    title=f"{PHASES[index - 1]} {number}",
                    owner=f"owner {rng.randint(1, 6)}",
                    side=rng.choices(SIDES, weights=(3, 5, 2))[0],
                    phase=index,
                    phase_name=PHASES[index - 1],
                    starts=begins,
                    due=due,
                    depends_on=depends,
                )
            )
    by_key = {step.key: step for step in plan}
    finish: dict[tuple, datetime.date] = {}
    gate_actual: dict[int, datetime.date] = {}
    gate_open = DAY0
    for index, (_, ends) in enumerate(bounds, start=1):
        latest = gate_open
        for step in sorted((s for s in plan if s.phase == index), key=lambda s: s.due):
            planned_start = max([step.starts, *(by_key[k].due for k in step.depends_on)])
            begins_at = max(
                [planned_start, gate_open, *(finish[k] for k in step.depends_on if k in finish)]
            )
            span_days = max((step.due - planned_start).days, 1)
            took = span_days * speed[step.side] * math.exp(rng.gauss(0, 0.3))
            if rng.random() < 0.08:
                took += rng.randint(7, 28)
            finish[step.key] = begins_at + datetime.timedelta(days=max(round(took), 0))
            latest = max(latest, finish[step.key])
        decided = max(latest, ends) if rng.random() < 0.3 else latest
        gate_actual[index] = decided + datetime.timedelta(days=rng.randint(0, 3))
        gate_open = gate_actual[index]
    steps = [Step(**{**step.__dict__, "done_on": finish[step.key]}) for step in plan]
    return History(
        steps=steps,
        gate_plan={index: ends for index, (_, ends) in enumerate(bounds, start=1)},
        gate_actual=gate_actual,
    )


def as_seen_on(history: History, today: datetime.date) -> list[Step]:
    """The milestones as the app shows them on ``today``: done ones with their date, the rest
    open."""
    return [
        step if step.done_on <= today else Step(**{**step.__dict__, "done_on": None})
        for step in history.steps
    ]


def checkpoint_day(history: History, fraction: float) -> datetime.date:
    """The day by which ``fraction`` of the go-live plan's milestones were done."""
    finishes = sorted(s.done_on for s in history.steps if s.phase <= GO_LIVE_PHASE)
    return finishes[max(math.ceil(fraction * len(finishes)) - 1, 0)]


def naive_forecast(history: History, today: datetime.date) -> datetime.date:
    """The plan's current date: the target, moved by the last approved gate's slip."""
    slip = 0
    for index in range(1, GO_LIVE_PHASE):
        if history.gate_actual[index] <= today:
            slip = (history.gate_actual[index] - history.gate_plan[index]).days
    return max(history.target + datetime.timedelta(days=max(slip, 0)), today)


@dataclass
class Result:
    engagements: int
    model_error: dict[float, float]  # mean absolute error in days, by checkpoint
    naive_error: dict[float, float]
    coverage: dict[float, float]  # share of true go-lives inside the 80% interval

    @property
    def failures(self) -> list[str]:
        problems = []
        errors = [self.model_error[c] for c in CHECKPOINTS]
        if not all(a > b for a, b in itertools.pairwise(errors)):
            problems.append("the forecast's error does not shrink as the engagement progresses")
        if self.model_error[0.5] >= self.naive_error[0.5]:
            problems.append("the forecast does not beat the plan's current date at 50%")
        return problems


def run(engagements: int = 500, seed: int = 19) -> Result:
    rng = random.Random(seed)  # noqa: S311 (a seeded simulation, not a secret)
    model = {c: 0.0 for c in CHECKPOINTS}
    naive = {c: 0.0 for c in CHECKPOINTS}
    inside = {c: 0 for c in CHECKPOINTS}
    for _ in range(engagements):
        history = simulate(rng)
        for fraction in CHECKPOINTS:
            today = checkpoint_day(history, fraction)
            forecast = forecast_gate(
                as_seen_on(history, today),
                gate_phase=GO_LIVE_PHASE,
                target=history.target,
                day0=DAY0,
                today=today,
            )
            model[fraction] += abs((forecast.date - history.go_live).days)
            naive[fraction] += abs((naive_forecast(history, today) - history.go_live).days)
            inside[fraction] += forecast.low <= history.go_live <= forecast.high
    return Result(
        engagements=engagements,
        model_error={c: model[c] / engagements for c in CHECKPOINTS},
        naive_error={c: naive[c] / engagements for c in CHECKPOINTS},
        coverage={c: inside[c] / engagements for c in CHECKPOINTS},
    )
