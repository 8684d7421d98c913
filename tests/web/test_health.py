"""The health rule on its own: the portfolio shows exactly what this function says."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from registers.models import RaidItem
from registers.services import close_raid_item, create_raid_item
from reporting.kpis import define_kpi
from reporting.models import DriftAlert, Kpi, Review, ReviewKpiResult
from tests.web.pages import bulk_engagements
from transition.portfolio import health_of, portfolio_rows, today_for
from transition.standing import HIGH_RISK_SCORE, RED_FROM_OVERDUE_MILESTONES, engagement_health

TODAY = datetime.date(2026, 3, 2)


def health(**facts):
    values = {
        "status": "in_transition",
        "overdue_milestones": 0,
        "next_gate_name": "Access ready",
        "next_gate_due": TODAY + datetime.timedelta(days=5),
        "today": TODAY,
    }
    return engagement_health(**{**values, **facts})


def test_nothing_overdue_is_green_and_says_so():
    result = health()
    assert (result.level, result.reasons) == ("green", ["On track: nothing overdue."])


def test_a_gate_due_today_is_not_yet_late():
    assert health(next_gate_due=TODAY).level == "green"


def test_a_few_overdue_milestones_are_amber():
    result = health(overdue_milestones=1)
    assert (result.level, result.reasons) == ("amber", ["1 milestone overdue."])
    assert health(overdue_milestones=RED_FROM_OVERDUE_MILESTONES - 1).level == "amber"


def test_many_overdue_milestones_are_red():
    result = health(overdue_milestones=RED_FROM_OVERDUE_MILESTONES)
    assert result.level == "red"
    assert result.reasons == [f"{RED_FROM_OVERDUE_MILESTONES} milestones overdue."]


def test_a_gate_past_its_planned_date_is_red_with_the_date_in_words():
    result = health(next_gate_due=datetime.date(2026, 2, 27))
    assert result.level == "red"
    assert result.reasons == [
        "Gate “Access ready” was planned for 27 Feb 2026 (3 days ago) and is not approved."
    ]


def test_on_hold_is_amber_and_every_reason_is_listed_worst_first():
    assert health(status="on_hold").reasons == ["On hold: no gate can be decided until it resumes."]
    assert health(status="on_hold").level == "amber"
    result = health(
        status="on_hold", overdue_milestones=1, next_gate_due=TODAY - datetime.timedelta(days=1)
    )
    assert result.level == "red"
    assert result.reasons == [
        "Gate “Access ready” was planned for 1 Mar 2026 (1 day ago) and is not approved.",
        "1 milestone overdue.",
        "On hold: no gate can be decided until it resumes.",
    ]


def test_a_finished_or_closed_engagement_has_no_gate_to_miss():
    assert health(next_gate_name=None, next_gate_due=None).level == "green"
    closed = health(status="closed", overdue_milestones=9, next_gate_due=TODAY.replace(day=1))
    assert (closed.level, closed.reasons) == ("green", ["Closed: nothing left to watch."])


# --- Issue 10: KPI misses, drift and high risks -----------------------------------------------


def test_a_kpi_missed_at_the_latest_review_is_amber_and_names_the_review():
    result = health(kpi_misses=2, kpi_review_day=30)
    assert (result.level, result.reasons) == ("amber", ["2 KPIs missed at the day-30 review."])
    assert health(kpi_misses=0, kpi_review_day=30).level == "green"


def test_a_kpi_below_target_now_is_amber_and_marks_drift():
    result = health(kpis_below_target=1)
    assert result.level == "amber"
    assert result.reasons == ["Drift: 1 KPI below target now (open drift alert)."]
    assert result.drifting
    assert not health().drifting


def test_a_kpi_getting_worse_three_weeks_running_is_amber_and_marks_drift():
    result = health(kpis_worsening=2)
    assert result.level == "amber"
    assert result.reasons == ["Drift: 2 KPIs worse three weeks running (open drift alert)."]
    assert result.drifting


def test_an_open_high_risk_is_red():
    result = health(high_risks=1)
    assert (result.level, result.reasons) == (
        "red",
        [f"1 open risk scored {HIGH_RISK_SCORE} or more (probability x impact)."],
    )


def test_every_reason_is_listed_red_ones_first():
    result = health(
        high_risks=2, overdue_milestones=1, kpi_misses=1, kpi_review_day=14, kpis_below_target=1
    )
    assert result.level == "red"
    assert result.reasons == [
        f"2 open risks scored {HIGH_RISK_SCORE} or more (probability x impact).",
        "1 milestone overdue.",
        "1 KPI missed at the day-14 review.",
        "Drift: 1 KPI below target now (open drift alert).",
    ]


# --- The same reasons, counted by the portfolio's query ---------------------------------------


def _kpi(world, key="aht"):
    return define_kpi(
        actor=world.pmo,
        engagement=world.engagement,
        key=key,
        name=f"KPI {key}",
        target=Decimal("300"),
        direction=Kpi.Direction.LOWER,
    )


def _row(world, name="Alpha care desk"):
    today = today_for(world.pmo)
    row = next(row for row in portfolio_rows(actor=world.pmo, today=today) if row.name == name)
    return health_of(row, today=today)


def _risk(world, *, probability, impact, status="open"):
    return create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind=RaidItem.Kind.RISK,
        title=f"Risk {probability}x{impact}",
        owner=world.provider_lead,
        due_date=today_for(world.pmo) + datetime.timedelta(days=20),
        status=status,
        probability=probability,
        impact=impact,
    )


def test_the_portfolio_counts_open_high_risks_only(world):
    _risk(world, probability=3, impact=4)  # 12: high on the heat map, not red
    assert not any("open risk" in reason for reason in _row(world).reasons)
    risk = _risk(world, probability=3, impact=5)
    assert "1 open risk scored 15 or more (probability x impact)." in _row(world).reasons
    close_raid_item(actor=world.pmo, item=risk)
    assert not any("open risk" in reason for reason in _row(world).reasons)


def test_the_portfolio_counts_misses_of_the_latest_reviewed_review_only(world):
    kpi, other = _kpi(world), _kpi(world, "csat")
    reviews = list(Review.objects.filter(engagement=world.engagement).order_by("day"))
    early, later = reviews[0], reviews[1]
    ReviewKpiResult.objects.create(
        tenant=world.tenant,
        review=early,
        kpi=kpi,
        value=400,
        target=300,
        met=False,
        outcome="missed",
    )
    ReviewKpiResult.objects.create(
        tenant=world.tenant,
        review=early,
        kpi=other,
        value=400,
        target=300,
        met=False,
        outcome="missed",
    )
    assert f"2 KPIs missed at the day-{early.day} review." in _row(world).reasons
    # A later review refreshed with one miss and one hit replaces the earlier one.
    ReviewKpiResult.objects.create(
        tenant=world.tenant, review=later, kpi=kpi, value=200, target=300, met=True, outcome="met"
    )
    ReviewKpiResult.objects.create(
        tenant=world.tenant,
        review=later,
        kpi=other,
        value=400,
        target=300,
        met=False,
        outcome="missed",
    )
    assert f"1 KPI missed at the day-{later.day} review." in _row(world).reasons


def test_the_portfolio_and_engagement_page_show_open_drift_in_words(client, world):
    kpi = _kpi(world)
    monday = datetime.date(2026, 2, 2)
    DriftAlert.objects.create(
        tenant=world.tenant, kpi=kpi, kind=DriftAlert.Kind.BELOW_TARGET, started_week=monday
    )
    closed = DriftAlert.objects.create(
        tenant=world.tenant,
        kpi=kpi,
        kind=DriftAlert.Kind.WORSENING,
        started_week=monday,
        ended_week=monday + datetime.timedelta(days=14),
    )
    assert closed.pk
    client.force_login(world.pmo)
    reason = "Drift: 1 KPI below target now (open drift alert)."
    for url in ("/", f"/engagements/{world.engagement.public_id}/"):
        page = client.get(url).content.decode()
        assert reason in page, url
        assert "KPI drift</span>" in page, url
        assert "worse three weeks running" not in page, url


def test_health_costs_the_portfolio_the_same_queries_for_10_and_30_engagements(client, world):
    today = today_for(world.pmo)
    client.force_login(world.pmo)
    bulk_engagements(world, 10, today=today)
    client.get("/")  # the session and caches warm up on the first request
    with CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    bulk_engagements(world, 20, today=today, prefix="More")
    with CaptureQueriesContext(connection) as large:
        assert client.get("/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
