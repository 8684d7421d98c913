"""The forecast's arithmetic on hand-built plans: the critical path, the pace's weighting, the
interval and the words."""

from __future__ import annotations

import datetime

import pytest

from forecast import model
from forecast.model import Step

DAY0 = datetime.date(2026, 1, 5)


def day(n: int) -> datetime.date:
    return DAY0 + datetime.timedelta(days=n)


def step(key, *, due, side="provider", phase=1, starts=0, done=None, after=(), owner="Ann"):
    return Step(
        key=key,
        title=f"M{key}",
        owner=owner,
        side=side,
        phase=phase,
        phase_name="access",
        starts=day(starts),
        due=day(due),
        done_on=None if done is None else day(done),
        depends_on=tuple(after),
    )


def test_a_long_chain_outweighs_many_short_milestones():
    # Five short milestones of 2 days each, side by side; one chain of three of 6 days each.
    short = [step(f"s{n}", due=2) for n in range(5)]
    chain = [step("a", due=6), step("b", due=12, after=["a"]), step("c", due=18, after=["b"])]

    found = model.critical_chain(short + chain, today=day(0), stretch={"provider": 1.0})

    assert found.keys == ("a", "b", "c")
    assert found.ends == day(18)


def test_done_dependencies_drop_out_of_the_chain_and_lateness_stretches_it():
    steps = [
        step("a", due=6, done=7),
        step("b", due=12, after=["a"]),  # 6 planned days
        step("c", due=14, after=["b"]),  # 2 planned days
        step("d", due=7),  # 7 planned days, alone: 14 stretched
    ]

    found = model.critical_chain(steps, today=day(7), stretch={"provider": 2.0})

    # b begins when a was due (day 6, passed): 12 stretched days from then, c 4 more.
    assert found.keys == ("b", "c")
    assert found.ends == day(6 + 12 + 4)


def test_the_critical_path_picks_the_longest_of_branching_dependencies():
    # A diamond: a -> (b | c) -> d; c is the long branch.
    steps = [
        step("a", due=2),
        step("b", due=4, after=["a"]),
        step("c", due=20, after=["a"]),
        step("d", due=22, after=["b", "c"]),
    ]

    found = model.critical_chain(steps, today=day(0), stretch={"provider": 1.0})

    assert found.keys == ("a", "c", "d")
    assert found.ends == day(22)


def test_a_dependency_cycle_is_cut_rather_than_looping():
    steps = [step("a", due=5, after=["b"]), step("b", due=9, after=["a"])]

    found = model.critical_chain(steps, today=day(0), stretch={})

    assert set(found.keys) <= {"a", "b"}


def test_recent_weeks_weigh_more_than_old_ones():
    recent = model.weighted_pace([4, 0, 0, 0], prior=0.0, prior_weight=0.0)[0]
    old = model.weighted_pace([0, 0, 0, 4], prior=0.0, prior_weight=0.0)[0]

    assert recent > old
    assert model.week_weights(3, half_life=2.0) == pytest.approx([1.0, 0.5**0.5, 0.5])


def test_weekly_closures_count_back_from_today():
    today = day(20)
    counts = model.weekly_closures([day(20), day(14), day(13), day(1)], today=today, weeks=3)

    assert counts == [2, 1, 1]


def test_a_side_that_closes_late_has_a_lateness_above_one():
    # Ten provider milestones due on days 2..20, each done at twice its due day.
    steps = [step(n, due=2 * n, done=4 * n) for n in range(1, 6)]
    steps += [step(n, due=2 * n) for n in range(6, 11)]

    pace = model.side_pace(steps, side="provider", day0=DAY0, today=day(20))

    assert pace.closed == 5
    assert pace.lateness > 1.3


def test_the_forecast_passes_the_target_when_the_pace_is_too_slow_and_says_why():
    # 12 client access milestones still open, due by day 30; the client closed 1 in 4 weeks.
    steps = [step("done", due=3, side="client", done=20, owner="Cleo")]
    steps += [
        step(n, due=20 + n, side="client", owner="Cleo" if n % 2 else f"Owner {n}")
        for n in range(12)
    ]

    forecast = model.forecast_gate(steps, gate_phase=1, target=day(30), day0=DAY0, today=day(28))
    reasons = model.explain(forecast, steps, gate_phase=1, today=day(28))

    assert forecast.late
    assert forecast.low <= forecast.date <= forecast.high
    assert forecast.open_steps == 12
    assert "8 access milestones overdue, waiting on the client" in reasons[0].text
    assert "4 of them on one owner (Cleo)" in reasons[0].text
    assert model.headline(forecast, name="Go-live", reasons=reasons).startswith(
        f"Go-live forecast {forecast.date:%-d %b} (target {day(30):%-d %b}): 8 access"
    )


def test_an_engagement_on_plan_forecasts_its_target_and_needs_no_reasons():
    # One provider milestone due every 2 days, each done on its day; 5 left.
    steps = [step(n, due=2 * n, done=2 * n) for n in range(1, 11)]
    steps += [step(n, due=2 * n) for n in range(11, 16)]

    forecast = model.forecast_gate(steps, gate_phase=1, target=day(30), day0=DAY0, today=day(20))

    assert abs(forecast.slip_days) <= 3
    assert model.explain(forecast, steps, gate_phase=1, today=day(20)) == [] or forecast.late


def test_a_gate_without_open_work_is_forecast_today():
    steps = [step(1, due=5, done=5)]

    forecast = model.forecast_gate(steps, gate_phase=1, target=day(9), day0=DAY0, today=day(6))

    assert (forecast.date, forecast.driver, forecast.open_steps) == (day(6), "done", 0)
