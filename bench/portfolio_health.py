"""Benchmark: the portfolio with the health of every engagement computed, against a floor.

A tenant of N engagements (default 200, built from the shipped playbooks by
``bench/pages.py``'s ``build``); a third of them get an open high risk, a KPI missed at a
refreshed review and an open drift alert, so that every health reason is computed. Measured
in process, median of R runs after a warm-up, run and floor taken in turns:

- the health: ``transition.portfolio.portfolio_rows`` (every row, not one page) with the
  health annotations, each row described (``describe_portfolio_rows``: health and labels);
- the floor: the same rows and description without the health annotations
  (``with_health=False``), i.e. the portfolio before issue 10's health reasons.

It prints both times, the ratio and both query counts, and the query count of the health run
at N/4 engagements: it must be the same (no query per engagement). Exit status 1 if not, or
if the ratio exceeds GOAL_RATIO.

    .venv/bin/python bench/portfolio_health.py
    .venv/bin/python bench/portfolio_health.py --database-url postgres://postgres@127.0.0.1:5432/bpo_bench
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402  (bench/pages.py: configure_django, build, timed_runs, queries_of)

GOAL_RATIO = 3.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=200, metavar="N")
    parser.add_argument("--requests", type=int, default=20, metavar="R")
    parser.add_argument("--database-url", metavar="URL")
    return parser.parse_args(argv)


def add_health_facts(*, tenant, people) -> None:
    """Every third engagement: an open risk scored 20, a KPI missed at its day-14 review
    (results stored as a refresh stores them) and an open below-target drift alert."""
    from engagements.models import Engagement
    from kernel.tenancy import tenant_context
    from registers.models import RaidItem
    from reporting.models import DriftAlert, Kpi, Review, ReviewKpiResult

    today = datetime.date.today()
    with tenant_context(tenant):
        chosen = list(Engagement.objects.order_by("name")[::3])
        RaidItem.objects.bulk_create(
            RaidItem(
                tenant=tenant,
                engagement=engagement,
                kind="risk",
                title="Attrition in the first wave",
                owner=people["provider"],
                due_date=today + datetime.timedelta(days=7),
                status="open",
                probability=4,
                impact=5,
            )
            for engagement in chosen
        )
        kpis = Kpi.objects.bulk_create(
            Kpi(
                tenant=tenant,
                engagement=engagement,
                key="bench-aht",
                name="Average handle time",
                target=300,
                direction="lower",
            )
            for engagement in chosen
        )
        reviews = {
            review.engagement_id: review
            for review in Review.objects.filter(engagement__in=chosen, day=14)
        }
        ReviewKpiResult.objects.bulk_create(
            ReviewKpiResult(
                tenant=tenant,
                review=reviews[kpi.engagement_id],
                kpi=kpi,
                value=420,
                target=300,
                outcome=ReviewKpiResult.Outcome.MISSED,
            )
            for kpi in kpis
            if kpi.engagement_id in reviews
        )
        monday = today - datetime.timedelta(days=today.weekday() + 7)
        DriftAlert.objects.bulk_create(
            DriftAlert(tenant=tenant, kpi=kpi, kind="below_target", started_week=monday)
            for kpi in kpis
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = None
    if args.database_url:
        database_url = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp(prefix="bpo-bench-health-"))
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    try:
        pages.configure_django(database_url)
        from django.core.management import call_command

        from kernel.tenancy import tenant_context
        from transition.portfolio import describe_portfolio_rows, portfolio_rows, today_for

        call_command("migrate", verbosity=0)
        run_id = f"bench-health-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        tenant, people, _ = pages.build(run_id=run_id, engagements=args.engagements, milestones=0)
        add_health_facts(tenant=tenant, people=people)
        pmo = people["pmo"]
        today = today_for(pmo)

        def run(with_health: bool, limit: int | None = None):
            rows = portfolio_rows(actor=pmo, today=today, with_health=with_health)
            rows = rows[:limit] if limit else rows
            return describe_portfolio_rows(actor=pmo, rows=rows, today=today)

        print(f"Portfolio health benchmark, run {run_id}")
        print(
            f"  {pages.describe_database()}, python {platform.python_version()}, "
            f"{os.cpu_count()} cores; data built in {time.perf_counter() - started:.1f} s"
        )
        with tenant_context(tenant):
            health_ms, floor_ms = pages.timed_runs(
                lambda: run(True), lambda: run(False), args.requests
            )
            queries, rows = pages.queries_of(lambda: run(True))
            floor_queries, _ = pages.queries_of(lambda: run(False))
            quarter_queries, _ = pages.queries_of(lambda: run(True, args.engagements // 4))
        levels = {
            level: sum(row.health.level == level for row in rows)
            for level in ("red", "amber", "green")
        }
        health, floor = statistics.median(health_ms), statistics.median(floor_ms)
        ratio = health / floor
        print(f"  median of {args.requests} runs after {pages.WARM_UP} warm-up ones, in process")
        print()
        print(f"  {'':<40} {'median ms':>9}  {'queries':>7}")
        print(f"  {f'with health, {len(rows)} engagements':<40} {health:>9.1f}  {queries:>7}")
        print(f"  {'floor: without the health annotations':<40} {floor:>9.1f}  {floor_queries:>7}")
        print(f"  ratio {ratio:.2f} (goal <= {GOAL_RATIO}); health: {levels}")
        print(
            f"  queries with health at {args.engagements // 4} engagements: {quarter_queries} "
            f"({'constant' if quarter_queries == queries else 'NOT constant'})"
        )
        return 0 if ratio <= GOAL_RATIO and quarter_queries == queries else 1
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
