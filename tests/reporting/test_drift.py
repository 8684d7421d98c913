"""Drift detection on constructed weekly series (seed 001: a slow decline adds up over weeks)."""

import datetime
from decimal import Decimal

import pytest

from audit.models import Event
from kernel.errors import NotFound
from reporting.drift import WeekMean, find_episodes
from reporting.drift_alerts import detect_drift
from reporting.imports import RawRow
from reporting.kpi_selectors import open_drift_alerts, weekly_trend
from reporting.measurements import import_measurements, record_measurement
from reporting.models import DriftAlert, Kpi
from reporting.tasks import detect_drift_everywhere, detect_drift_in_tenant

MONDAY = datetime.date(2026, 3, 2)  # an ISO week's Monday, long past


def week(n: int) -> datetime.date:
    return MONDAY + datetime.timedelta(weeks=n)


def daily_rows(key: str, weekly: list[str], *, first_week: int = 0) -> list[RawRow]:
    """Seven daily values per week whose mean is the given one (they vary around it)."""
    rows, number = [], 2
    for offset, mean in enumerate(weekly):
        for day, wobble in enumerate(("-1.5", "1.5", "-1", "1", "-0.5", "0.5", "0")):
            measured_on = week(first_week + offset) + datetime.timedelta(days=day)
            value = Decimal(mean) + Decimal(wobble)
            rows.append(RawRow(number, key, measured_on.isoformat(), str(value)))
            number += 1
    return rows


def load(world, key: str, weekly: list[str], *, first_week: int = 0) -> None:
    import_measurements(
        actor=world.provider_lead,
        engagement=world.engagement,
        rows=daily_rows(key, weekly, first_week=first_week),
    )


def alerts(key: str) -> list[tuple[str, datetime.date, datetime.date | None]]:
    return [
        (alert.kind, alert.started_week, alert.ended_week)
        for alert in DriftAlert.objects.filter(kpi__key=key).order_by("started_week", "kind")
    ]


# Contact rate: target 30 %, higher is better. Speed to lead: 5 minutes, lower is better.


def test_a_kpi_that_falls_below_target_raises_one_alert_from_the_first_week_below(world):
    load(world, "contact-rate", ["34", "33", "29", "28", "27"])
    assert alerts("contact-rate") == [("below_target", week(2), None)]
    [alert] = open_drift_alerts(engagement=world.engagement)
    assert alert.kpi.key == "contact-rate" and alert.is_open


def test_three_weekly_declines_while_on_target_raise_a_worsening_alert(world):
    load(world, "contact-rate", ["40", "38", "36", "34", "33"])
    # Week 3 is the third decline in a row; week 4 continues the same episode.
    assert alerts("contact-rate") == [("worsening", week(3), None)]


def test_two_declines_are_not_yet_drift(world):
    load(world, "contact-rate", ["40", "38", "36", "36"])
    assert alerts("contact-rate") == []


def test_lower_is_better_kpis_drift_upwards(world):
    load(world, "speed-to-lead", ["3", "3.5", "4", "4.5", "6"])
    assert alerts("speed-to-lead") == [
        ("worsening", week(3), week(4)),  # ended when it fell below target...
        ("below_target", week(4), None),  # ...which is an episode of its own
    ]


@pytest.mark.parametrize(
    "series",
    [["35", "35", "35", "35", "35", "35"], ["31", "32", "33", "34", "36", "40"]],
    ids=["flat", "improving"],
)
def test_a_flat_or_improving_series_on_target_raises_nothing(world, series):
    load(world, "contact-rate", series)
    assert alerts("contact-rate") == []
    assert not open_drift_alerts(engagement=world.engagement).exists()
    assert not Event.objects.filter(object_type="drift_alert").exists()


def test_one_alert_per_episode_closed_on_recovery_and_a_new_one_for_a_later_episode(world):
    weekly = ["32", "29", "28", "27", "31", "33", "28", "31"]
    for n, mean in enumerate(weekly):
        load(world, "contact-rate", [mean], first_week=n)
        detect_drift(engagement=world.engagement)  # the daily run changes nothing
        if n == 3:
            assert alerts("contact-rate") == [("below_target", week(1), None)]
    assert alerts("contact-rate") == [
        ("below_target", week(1), week(4)),
        ("below_target", week(6), week(7)),
    ]
    created = Event.objects.filter(object_type="drift_alert", action="created")
    assert created.count() == 2
    assert set(created.values_list("operation", flat=True)) == {"kpi.imported"}


@pytest.mark.dates
def test_the_week_in_progress_does_not_count(world):
    kpi = Kpi.objects.get(key="contact-rate")
    today = world.engagement.today()
    record_measurement(actor=world.provider_lead, kpi=kpi, measured_on=today, value=Decimal("1"))
    assert alerts("contact-rate") == []
    trend = weekly_trend(kpi=kpi)
    assert [(row.mean, row.complete) for row in trend] == [(Decimal("1.00"), False)]


def test_recording_one_measurement_runs_detection(world):
    load(world, "contact-rate", ["31", "31", "31"])
    kpi = Kpi.objects.get(key="contact-rate")
    for day in range(7):
        record_measurement(
            actor=world.provider_lead,
            kpi=kpi,
            measured_on=week(3) + datetime.timedelta(days=day),
            value=Decimal("20"),
        )
    assert alerts("contact-rate") == [("below_target", week(3), None)]
    assert Event.objects.get(object_type="drift_alert").operation == "kpi.measured"


def test_a_corrected_week_ends_the_episode_it_made(world):
    load(world, "contact-rate", ["31", "20"])
    assert alerts("contact-rate") == [("below_target", week(1), None)]
    load(world, "contact-rate", ["31"], first_week=1)  # the values of week 1 replaced
    assert alerts("contact-rate") == [("below_target", week(1), week(1))]
    assert not open_drift_alerts(engagement=world.engagement).exists()


def test_weekly_trend_is_week_over_week_by_iso_week(world):
    load(world, "speed-to-lead", ["4", "3.5", "3.5"])
    kpi = Kpi.objects.get(key="speed-to-lead")
    trend = weekly_trend(kpi=kpi)
    assert [(row.label, row.mean, row.change, row.movement, row.met) for row in trend] == [
        ("2026-W10", Decimal("4.00"), None, "", True),
        ("2026-W11", Decimal("3.50"), Decimal("-0.50"), "better", True),
        ("2026-W12", Decimal("3.50"), Decimal("0.00"), "flat", True),
    ]
    assert all(row.week.weekday() == 0 for row in trend)


def test_open_alerts_are_scoped_to_what_the_actor_sees(world, other_world):
    load(world, "contact-rate", ["20"])
    assert open_drift_alerts(actor=world.pmo).count() == 1
    assert open_drift_alerts(actor=world.provider_lead).count() == 1
    assert open_drift_alerts(actor=world.bystander).count() == 0
    # Another tenant's alerts are not even countable from here.
    with pytest.raises(NotFound):
        from engagements.selectors import get_engagement

        get_engagement(actor=world.pmo, public_id=other_world.engagement.public_id)


def test_the_daily_task_runs_per_tenant(world, other_world, in_tenant):
    load(world, "contact-rate", ["20"])
    DriftAlert.objects.all().delete()  # as if the write had not detected it
    with in_tenant(None):
        assert detect_drift_in_tenant(tenant_id=world.tenant.pk) == 1
        assert detect_drift_in_tenant(tenant_id=world.tenant.pk) == 0
        with pytest.raises(TypeError):
            detect_drift_in_tenant()  # a TenantTask is never sent without its tenant
    assert alerts("contact-rate") == [("below_target", week(0), None)]


def test_beat_fans_out_one_task_per_tenant(world, other_world, monkeypatch):
    sent = []
    monkeypatch.setattr(
        detect_drift_in_tenant, "apply_async", lambda kwargs: sent.append(kwargs["tenant_id"])
    )
    assert detect_drift_everywhere() == 2
    assert sorted(sent) == sorted([world.tenant.pk, other_world.tenant.pk])


def test_find_episodes_is_pure_arithmetic():
    weeks = [WeekMean(week(n), Decimal(v)) for n, v in enumerate(["10", "9", "8", "7", "7"])]
    episodes = find_episodes(weeks, target=Decimal("5"), direction="higher")
    assert [(e.kind, e.started_week, e.ended_week) for e in episodes] == [
        ("worsening", week(3), week(4))
    ]
