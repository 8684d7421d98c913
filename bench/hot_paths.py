"""Benchmark: the hot read paths at 1,000,000 milestones across 10 tenants (PostgreSQL only).

The script migrates an empty PostgreSQL database and loads it with set-based SQL
(``INSERT ... SELECT generate_series``): ten tenants, one (the focus) of 1,000 engagements and
nine larger ones, 40 milestones per engagement, 1,000,000 milestones in all, and for every
engagement the rows the portfolio's health subqueries read (KPIs, reviews with results, open
drift alerts, RAID items with high risks), then runs VACUUM (ANALYZE). ``--layout`` places
the milestone rows: ``scattered`` (default, as years of updates leave them) or
``clustered`` (each engagement's rows together, as a playbook inserts them). It prints each
figure beside the floor it must meet (exit status 1 when one fails):

1. The portfolio (``transition.portfolio``) of every tenant: the EXPLAIN (ANALYZE, BUFFERS)
   summary of its SQL (milestone rows read, buffers, time), each tenant's time beside the
   focus tenant's scaled by milestone count, and the home page's old Count-over-a-join query
   (``transition.portfolio.engagements_for_home``) beside it.
2. The due-soon (next 3 days) and overdue scans of open milestones, across tenants and in
   the focus tenant, beside a floor query (a count over the same partial index) and beside
   the same scan without the partial indexes (dropped in a transaction that is rolled back).

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_bench_hot'
    .venv/bin/python bench/hot_paths.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_hot
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_bench_hot'
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OPEN = ("not_started", "in_progress", "blocked")
PAGE_SIZE = 25  # transition.portfolio.DEFAULT_PER_PAGE
DUE_SOON_DAYS = 3

# The floors. Times are for the reference machine (2 cores); the rest holds everywhere.
MAX_TOUCHED_PER_OWN_MILESTONE = 4  # four counts, each reading only its engagement's rows
# A tenant's portfolio time / the focus tenant's scaled by milestone count: near 1 when each
# pays for its own rows; a query that scanned every tenant would give the larger tenants
# about their share of the table, far below 1 (0.26 for the largest by default).
MIN_SCALED_RATIO = 0.5
MAX_SCALED_RATIO = 2.0
MAX_PAGE_MS = 25.0  # one page of 50 engagements, server time


@dataclass
class Report:
    """Prints each figure beside its floor and remembers whether every floor held."""

    failures: list[str] = field(default_factory=list)

    def floor(self, label: str, figure: str, floor: str, ok: bool) -> None:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {figure}  (floor: {floor})")
        if not ok:
            self.failures.append(label)

    @staticmethod
    def info(label: str, figure: str) -> None:
        print(f"  info  {label}: {figure}")


@dataclass
class TenantLoad:
    tenant: Any
    pmo: Any
    engagements: int
    milestones: int


@dataclass
class Plan:
    """What EXPLAIN (ANALYZE, BUFFERS) says about one statement."""

    ms: float  # server execution time
    buffers: int  # shared blocks hit + read
    touched: int  # milestone rows read (returned or filtered out), over every loop
    access: list[str]  # how milestones_milestone was read: "Index Scan milestone_due", ...
    text: str

    @property
    def seq_scan(self) -> bool:
        return any("Seq Scan" in way for way in self.access)

    def summary(self) -> str:
        return (
            f"{self.ms:8.1f} ms  {self.touched:>9,} rows  {self.buffers:>7,} buffers  "
            f"via {', '.join(self.access) or '-'}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        required=True,
        metavar="URL",
        help="an empty PostgreSQL database; the script migrates and fills it",
    )
    parser.add_argument("--milestones", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--tenants", type=int, default=10, help="default 10")
    parser.add_argument(
        "--focus-engagements",
        type=int,
        default=1000,
        help="engagements of the focus tenant (default 1000); every other tenant is larger",
    )
    parser.add_argument("--per-engagement", type=int, default=40, help="milestones (default 40)")
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default="scattered",
        help="where milestone rows sit in the table (default scattered, as after updates)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure, best kept")
    parser.add_argument("--show-plans", action="store_true", help="print every full plan")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must point at PostgreSQL")
    if args.tenants < 2:
        parser.error("--tenants must be at least 2")
    return args


def tenant_sizes(args: argparse.Namespace) -> list[int]:
    """Engagements per tenant: the focus first, then larger ones, growing, filling the rest."""
    total = args.milestones // args.per_engagement
    rest = total - args.focus_engagements
    others = args.tenants - 1
    weights = [index + 5 for index in range(others)]
    sizes = [rest * weight // sum(weights) for weight in weights]
    sizes[-1] += rest - sum(sizes)
    if min(sizes) <= args.focus_engagements:
        raise SystemExit("the other tenants would not be larger than the focus tenant")
    return [args.focus_engagements, *sizes]


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")
    os.environ["DATABASE_URL"] = database_url

    import django

    django.setup()


# --- Loading, set-based ------------------------------------------------------------------

# Every tenant's engagements in one statement, interleaved as if created over the same year:
# a tenant's g-th of n engagements comes at g/n of the way. Day 0 is spread over a year.
ENGAGEMENTS_SQL = """
INSERT INTO engagements_engagement (
    public_id, tenant_id, name, client_name, provider_name, scope, contract_signed_on,
    target_go_live, time_zone, status, review_anchor, playbook_key, created_at, updated_at)
SELECT gen_random_uuid(), t.tenant_id, 'Engagement ' || lpad(g::text, 5, '0'),
       'Client ' || (g %% 17), 'Provider ' || (g %% 5), '', d.day0, d.day0 + 42, 'UTC',
       CASE WHEN d.day0 > %(today)s THEN 'planning'
            WHEN d.day0 + 90 > %(today)s THEN 'in_transition'
            ELSE 'stabilised' END,
       'contract_signature', '', now(), now()
FROM unnest(%(tenants)s::bigint[], %(sizes)s::int[]) AS t(tenant_id, size)
CROSS JOIN LATERAL generate_series(1, t.size) AS g
CROSS JOIN LATERAL (SELECT %(today)s::date + 60 - ((g * 37) %% 365) AS day0) AS d
ORDER BY g::float / t.size, t.tenant_id
"""

# Six phases of 15 days from day 0; the one whose window holds today is active.
PHASES_SQL = """
INSERT INTO engagements_phase (
    public_id, tenant_id, engagement_id, kind, position, planned_start, planned_end, status)
SELECT gen_random_uuid(), e.tenant_id, e.id,
       (ARRAY['kickoff', 'transition', 'access', 'tooling', 'controlled_go_live',
              'stabilisation'])[p],
       p, e.contract_signed_on + (p - 1) * 15, e.contract_signed_on + (p - 1) * 15 + 14,
       CASE WHEN %(today)s < e.contract_signed_on + (p - 1) * 15 THEN 'not_started'
            WHEN %(today)s > e.contract_signed_on + (p - 1) * 15 + 14 THEN 'complete'
            ELSE 'active' END
FROM engagements_engagement AS e
CROSS JOIN generate_series(1, 6) AS p
ORDER BY e.id, p
"""

# Milestones spread over the 90-day plan. Long past: mostly done; the last two weeks: half
# open (overdue); future: mostly not started. ``h`` is a cheap deterministic "random" 0..99.
# {order} places the rows: by engagement ("clustered": as a playbook inserts them, never
# updated since) or hashed ("scattered": as years of updates leave them, since every update
# writes a new row version wherever there is room).
MILESTONES_SQL = """
INSERT INTO milestones_milestone (
    public_id, tenant_id, engagement_id, phase_id, title, description, owner_id, side,
    due_date, status, evidence, evidence_link, evidence_required, completed_at,
    completed_by_id, external_id, playbook_key, version, created_at, updated_at)
SELECT gen_random_uuid(), e.tenant_id, e.id, p.id, 'Step ' || (k + 1), '', o.owner_id,
       (ARRAY['client', 'provider', 'joint'])[1 + k %% 3], m.due,
       CASE WHEN m.due < %(today)s::date - 14 THEN
                CASE WHEN m.h < 95 THEN 'done' WHEN m.h < 98 THEN 'cancelled'
                     ELSE 'in_progress' END
            WHEN m.due < %(today)s THEN
                CASE WHEN m.h < 50 THEN 'done' WHEN m.h < 80 THEN 'in_progress'
                     ELSE 'blocked' END
            ELSE CASE WHEN m.h < 10 THEN 'in_progress' WHEN m.h < 12 THEN 'blocked'
                      ELSE 'not_started' END
       END,
       '', '', false, NULL, NULL, NULL, '', 1, now(), now()
FROM engagements_engagement AS e
JOIN unnest(%(tenants)s::bigint[], %(owners)s::bigint[]) AS o(tenant_id, owner_id)
    ON o.tenant_id = e.tenant_id
CROSS JOIN generate_series(0, %(per)s - 1) AS k
CROSS JOIN LATERAL (
    SELECT e.contract_signed_on + (k * 90 / %(per)s) AS due,
           (e.id * 7919 + k * 104729) %% 100 AS h
) AS m
JOIN engagements_phase AS p ON p.engagement_id = e.id AND p.position = 1 + (k * 6 / %(per)s)
ORDER BY {order}
"""
LAYOUTS = {"clustered": "e.id, k", "scattered": "hashint8(e.id * 1000 + k), e.id, k"}

# What the portfolio's health subqueries read (transition.portfolio.health_annotations), for
# every engagement: 3 KPIs; a day-14 review (published once day 14 has passed, with a result
# per KPI, 1 in 4 missed) and a day-30 review (scheduled); an open drift alert on 1 KPI in 20
# (below target or worsening); 8 RAID items (2 risks, 2 issues, 2 actions, 2 decisions), half
# of them open, risks scored 1..5 x 1..5 (score >= 15: a high risk).
HEALTH_SQL = (
    """
INSERT INTO reporting_kpi (public_id, tenant_id, engagement_id, key, name, unit, target,
                           direction)
SELECT gen_random_uuid(), e.tenant_id, e.id, 'kpi' || k, 'KPI ' || k, '%%', 80 + k,
       CASE WHEN k = 2 THEN 'lower' ELSE 'higher' END
FROM engagements_engagement AS e CROSS JOIN generate_series(1, 3) AS k
ORDER BY e.id, k
""",
    """
INSERT INTO reporting_review (public_id, tenant_id, engagement_id, day, title, focus,
    scheduled_on, window_days, status, published_at, target_standing, misses_understood,
    lessons_learned, next_period_changes, publish_reason, published_early, report_failure)
SELECT gen_random_uuid(), e.tenant_id, e.id, d, 'Day-' || d || ' review', '',
       e.contract_signed_on + d, 14,
       CASE WHEN e.contract_signed_on + d < %(today)s THEN 'published' ELSE 'scheduled' END,
       CASE WHEN e.contract_signed_on + d < %(today)s THEN now() END,
       '', '', '', '', '', false, ''
FROM engagements_engagement AS e CROSS JOIN (VALUES (14), (30)) AS days(d)
WHERE d = 14 OR e.contract_signed_on + 14 >= %(today)s OR e.id %% 2 = 0
ORDER BY e.id, d
""",
    """
INSERT INTO reporting_reviewkpiresult (public_id, tenant_id, review_id, kpi_id, value, target,
    met, outcome, root_cause, corrective_action, action_owner_id, action_due)
SELECT gen_random_uuid(), r.tenant_id, r.id, k.id, k.target - 5 + (k.id %% 4) * 5, k.target,
       k.id %% 4 <> 0, CASE WHEN k.id %% 4 = 0 THEN 'missed' ELSE 'met' END,
       '', '', NULL, NULL
FROM reporting_review AS r
JOIN reporting_kpi AS k ON k.engagement_id = r.engagement_id
WHERE r.status = 'published'
ORDER BY r.id, k.id
""",
    """
INSERT INTO reporting_driftalert (public_id, tenant_id, kpi_id, kind, started_week,
                                  ended_week, opened_at)
SELECT gen_random_uuid(), k.tenant_id, k.id,
       CASE WHEN k.id %% 40 = 0 THEN 'below_target' ELSE 'worsening' END,
       %(today)s::date - 14, NULL, now()
FROM reporting_kpi AS k WHERE k.id %% 20 = 0
""",
    """
INSERT INTO registers_raiditem (public_id, tenant_id, engagement_id, kind, title, description,
    owner_id, due_date, status, probability, impact, response, handling, decision_rule,
    version, created_at, updated_at)
SELECT gen_random_uuid(), e.tenant_id, e.id,
       (ARRAY['risk', 'risk', 'issue', 'issue', 'action', 'action', 'decision',
              'decision'])[1 + k],
       'Item ' || k, '', o.owner_id, e.contract_signed_on + 10 * k,
       CASE WHEN k >= 6 THEN (CASE WHEN (e.id + k) %% 2 = 0 THEN 'proposed' ELSE 'agreed' END)
            WHEN (e.id + k) %% 2 = 0 THEN 'open' ELSE 'closed' END,
       CASE WHEN k < 2 THEN 1 + (e.id * 7 + k) %% 5 END,
       CASE WHEN k < 2 THEN 1 + (e.id * 13 + k) %% 5 END,
       '', '', '', 1, now(), now()
FROM engagements_engagement AS e
JOIN unnest(%(tenants)s::bigint[], %(owners)s::bigint[]) AS o(tenant_id, owner_id)
    ON o.tenant_id = e.tenant_id
CROSS JOIN generate_series(0, 7) AS k
ORDER BY e.id, k
""",
)
HEALTH_TABLES = (
    "reporting_kpi",
    "reporting_review",
    "reporting_reviewkpiresult",
    "reporting_driftalert",
    "registers_raiditem",
)


def load(*, sizes: list[int], per: int, layout: str, today: datetime.date) -> list[TenantLoad]:
    """Tenants, a PMO and a milestone owner each (ORM), then every tenant's rows in three
    INSERT ... SELECT statements."""
    from django.db import connection, transaction

    from accounts.models import Membership, Tenant, User

    with transaction.atomic():
        loads, owners = [], []
        for number, size in enumerate(sizes):
            label = "focus" if number == 0 else f"t{number:02d}"
            tenant = Tenant.objects.create(name=f"Bench {label}", slug=f"bench-{label}")
            pmo = User.objects.create_user(username=f"{label}-pmo", password=None)
            owner = User.objects.create_user(username=f"{label}-owner", password=None)
            Membership.objects.create(user=pmo, tenant=tenant, role=Membership.Role.PMO)
            Membership.objects.create(user=owner, tenant=tenant, role=Membership.Role.MEMBER)
            loads.append(TenantLoad(tenant=tenant, pmo=pmo, engagements=size, milestones=0))
            owners.append(owner.pk)
        params = {
            "tenants": [load.tenant.pk for load in loads],
            "sizes": sizes,
            "owners": owners,
            "per": per,
            "today": today,
        }
        with connection.cursor() as cursor:
            cursor.execute(ENGAGEMENTS_SQL, params)
            cursor.execute(PHASES_SQL, params)
            cursor.execute(MILESTONES_SQL.format(order=LAYOUTS[layout]), params)
            for statement in HEALTH_SQL:
                cursor.execute(statement, params)
            cursor.execute(
                "SELECT tenant_id, count(*) FROM milestones_milestone GROUP BY tenant_id"
            )
            stored = dict(cursor.fetchall())
    for tenant_load in loads:
        tenant_load.milestones = stored[tenant_load.tenant.pk]
    return loads


def health_rows() -> str:
    """The rows of the tables the portfolio's health subqueries read, checked non-empty."""
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in HEALTH_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constants)
            counts[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM registers_raiditem WHERE kind = 'risk' "
            "AND status IN ('open', 'in_progress') AND probability * impact >= 15"
        )
        high = cursor.fetchone()[0]
    if not all(counts.values()) or not high:
        raise SystemExit(f"the health tables were not filled: {counts}, {high} high risks")
    return ", ".join(f"{table} {count:,}" for table, count in counts.items()) + (
        f" ({high:,} open high risks)"
    )


def vacuum_analyze() -> float:
    """Statistics (and the visibility map) as a table in steady state has them; then a
    checkpoint, so that writing out the load does not run beside the measurements."""
    from django.db import DatabaseError, connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:
            print("  (no CHECKPOINT: the role may not run it; figures may be noisier)")
    return time.perf_counter() - started


# --- Measuring ---------------------------------------------------------------------------


def milestone_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'milestones_milestone'")
        return {name for (name,) in cursor.fetchall()}


def read_plan(document: dict[str, Any], indexes: set[str], text: str) -> Plan:
    touched = 0
    access: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        nonlocal touched
        on_milestones = node.get("Relation Name") == "milestones_milestone"
        if node.get("Node Type") == "Bitmap Index Scan" and node.get("Index Name") in indexes:
            access.append(f"Bitmap Index Scan {node['Index Name']}")
        elif on_milestones:
            loops = node.get("Actual Loops", 1)
            touched += loops * (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            way = node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else "")
            access.append(way)
        for child in node.get("Plans", []):
            walk(child)

    root = document["Plan"]
    walk(root)
    return Plan(
        ms=document["Execution Time"],
        buffers=root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0),
        touched=int(touched),
        access=sorted(set(access)),
        text=text,
    )


def explain(
    sql: str,
    params: Any,
    *,
    repeats: int,
    indexes: set[str],
    text: bool = False,
    serial: bool = False,
) -> Plan:
    """The best of ``repeats`` EXPLAIN (ANALYZE, BUFFERS) runs (per-node timing off, so
    that the clock calls of thousands of subquery loops do not inflate the time).
    ``serial`` plans it without parallel workers, whose start-up costs more than a small
    index-only scan."""
    from django.db import connection, transaction

    best: Plan | None = None
    with transaction.atomic(), connection.cursor() as cursor:
        if serial:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for _ in range(repeats):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) {sql}", params)
            document = cursor.fetchone()[0]
            document = json.loads(document) if isinstance(document, str) else document
            plan = read_plan(document[0], indexes, "")
            if best is None or plan.ms < best.ms:
                best = plan
        assert best is not None
        if text:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) {sql}", params)
            best.text = "\n".join(row[0] for row in cursor.fetchall())
    return best


def sql_of(queryset) -> tuple[str, tuple[Any, ...]]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


@contextmanager
def without_indexes(names: list[str]) -> Iterator[None]:
    """The schema as before this change: the indexes dropped in a transaction rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        transaction.set_rollback(True)


def portfolio_plans(
    load: TenantLoad, *, today: datetime.date, repeats: int, indexes: set[str], text: bool
) -> dict[str, Plan]:
    """The portfolio's list (every engagement), its first page, and the old home query."""
    from accounts.models import User
    from kernel.tenancy import tenant_context
    from transition.portfolio import engagements_for_home, portfolio_rows

    with tenant_context(load.tenant):
        actor = User.objects.get(pk=load.pmo.pk)
        listed = portfolio_rows(actor=actor, today=today)
        return {
            "list": explain(*sql_of(listed), repeats=repeats, indexes=indexes, text=text),
            "page": explain(
                *sql_of(listed[:PAGE_SIZE]), repeats=repeats, indexes=indexes, text=text
            ),
            "old": explain(
                *sql_of(engagements_for_home(actor=actor)),
                repeats=repeats,
                indexes=indexes,
                text=text,
            ),
        }


def portfolio_call(load: TenantLoad, *, today: datetime.date, repeats: int):
    """Wall time and queries of ``portfolio()`` page 1 from a freshly loaded actor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from kernel.tenancy import tenant_context
    from transition.portfolio import portfolio

    runs = []
    with tenant_context(load.tenant):
        for _ in range(repeats):
            actor = User.objects.get(pk=load.pmo.pk)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page = portfolio(actor=actor, today=today)
                elapsed = (time.perf_counter() - started) * 1000
            runs.append((elapsed, len(captured.captured_queries), len(page)))
    return min(runs)


def show(label: str, plan: Plan, show_plans: bool) -> None:
    print(f"    {label:<34} {plan.summary()}")
    if show_plans:
        print("      " + plan.text.replace("\n", "\n      "))


# --- The parts ----------------------------------------------------------------------------


def part_portfolio(
    *,
    report: Report,
    loads: list[TenantLoad],
    today: datetime.date,
    args: argparse.Namespace,
    indexes: set[str],
) -> None:
    focus = loads[0]
    total = sum(load.milestones for load in loads)
    print(f"Part 1: the portfolio of each tenant, among {total:,} milestones")
    print(
        f"  EXPLAIN (ANALYZE, BUFFERS) server time, best of {args.repeats}; rows read from "
        "milestones_milestone over every loop; shared buffers hit + read"
    )
    plans = {
        load.tenant.pk: portfolio_plans(
            load, today=today, repeats=args.repeats, indexes=indexes, text=args.show_plans
        )
        for load in loads
    }
    mine = plans[focus.tenant.pk]
    print(f"  focus tenant, {focus.engagements:,} engagements, {focus.milestones:,} milestones:")
    show("portfolio, every engagement", mine["list"], args.show_plans)
    show(f"portfolio, page of {PAGE_SIZE}", mine["page"], args.show_plans)
    show("old home query (Count over a join)", mine["old"], args.show_plans)
    print()

    def scaled(load: TenantLoad, kind: str) -> float:
        """The tenant's time over the focus tenant's scaled by milestone count (1.0: the
        same cost per own milestone; far below 1: a cost that does not come from its rows)."""
        expected = mine[kind].ms * load.milestones / focus.milestones
        return plans[load.tenant.pk][kind].ms / expected

    print(
        f"  {'tenant':<12} {'engagements':>11} {'milestones':>10} | {'portfolio':>10} "
        f"{'rows read':>9} {'buffers':>7} {'scaled':>6} | {'page':>6} | "
        f"{'old query':>9} {'rows read':>9} {'scaled':>6}"
    )
    for load in loads:
        plan = plans[load.tenant.pk]
        print(
            f"  {load.tenant.name:<12} {load.engagements:>11,} {load.milestones:>10,} | "
            f"{plan['list'].ms:>7.1f} ms {plan['list'].touched:>9,} {plan['list'].buffers:>7,} "
            f"{scaled(load, 'list'):>6.2f} | {plan['page'].ms:>3.1f} ms | "
            f"{plan['old'].ms:>6.1f} ms {plan['old'].touched:>9,} {scaled(load, 'old'):>6.2f}"
        )
    print(
        "  (scaled: the time over the focus tenant's time x milestones / focus milestones; "
        "1.0 = linear in its own rows)"
    )
    print()

    for load in loads:
        plan = plans[load.tenant.pk]["list"]
        bound = MAX_TOUCHED_PER_OWN_MILESTONE * load.milestones
        report.floor(
            f"{load.tenant.name}: portfolio reads only its own milestones",
            f"{plan.touched:,} rows read, {'a Seq Scan' if plan.seq_scan else 'no Seq Scan'}",
            f"<= {MAX_TOUCHED_PER_OWN_MILESTONE} x its {load.milestones:,}, no Seq Scan",
            plan.touched <= bound and not plan.seq_scan,
        )
    ratios = {load.tenant.name: scaled(load, "list") for load in loads[1:]}
    low, high = min(ratios.values()), max(ratios.values())
    report.floor(
        "portfolio time of every other tenant / the focus tenant's scaled by milestones",
        f"{low:.2f} .. {high:.2f}",
        f"within {MIN_SCALED_RATIO:g} .. {MAX_SCALED_RATIO:g}: each tenant pays for its own "
        "rows, so the focus tenant's time does not depend on the other tenants' sizes",
        low >= MIN_SCALED_RATIO and high <= MAX_SCALED_RATIO,
    )
    report.info(
        "old home query / portfolio, focus tenant",
        f"{mine['old'].ms:.1f} ms / {mine['list'].ms:.1f} ms = "
        f"{mine['old'].ms / mine['list'].ms:.1f}x, rows read "
        f"{mine['old'].touched:,} / {mine['list'].touched:,}",
    )
    report.floor(
        f"focus tenant's portfolio page of {PAGE_SIZE}",
        f"{mine['page'].ms:.2f} ms, {mine['page'].touched:,} rows read",
        f"<= {MAX_PAGE_MS:g} ms, 2 cores",
        mine["page"].ms <= MAX_PAGE_MS,
    )
    elapsed, queries, rows = portfolio_call(focus, today=today, repeats=args.repeats)
    report.info(
        "portfolio(actor=pmo) page 1, wall time from Python",
        f"{elapsed:.1f} ms, {queries} queries, {rows} engagements",
    )
    print()


def part_scans(
    *,
    report: Report,
    focus: TenantLoad,
    today: datetime.date,
    args: argparse.Namespace,
    indexes: set[str],
) -> None:
    from django.db import connection

    print("Part 2: due-soon and overdue scans of open milestones")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM milestones_milestone")
        (stored,) = cursor.fetchone()
    print(f"  {stored:,} milestones; today is {today}; open means status in {', '.join(OPEN)}")
    soon = (today, today + datetime.timedelta(days=DUE_SOON_DAYS))
    placeholders = ", ".join(["%s"] * len(OPEN))
    scans = {
        "due soon, every tenant": ("due_date BETWEEN %s AND %s", soon),
        "overdue, every tenant": ("due_date < %s", (today,)),
        "due soon, focus tenant": (
            "tenant_id = %s AND due_date BETWEEN %s AND %s",
            (focus.tenant.pk, *soon),
        ),
        "overdue, focus tenant": ("tenant_id = %s AND due_date < %s", (focus.tenant.pk, today)),
    }
    new_indexes = ["reminder_milestone_open_due", "milestone_open_due_in_tenant"]
    for label, (condition, values) in scans.items():
        where = f"WHERE status IN ({placeholders}) AND {condition}"
        params = (*OPEN, *values)
        # What a reminder task or a tenant's list reads, and the least any such read can cost.
        # (The clauses are this script's constants; the values are bound parameters.)
        columns = "id, tenant_id, engagement_id, owner_id, due_date, status"
        rows_sql = f"SELECT {columns} FROM milestones_milestone {where} ORDER BY due_date, id"  # noqa: S608
        floor_sql = f"SELECT count(*) FROM milestones_milestone {where}"  # noqa: S608
        scan = explain(
            rows_sql, params, repeats=args.repeats, indexes=indexes, text=args.show_plans
        )
        floor = explain(
            floor_sql,
            params,
            repeats=args.repeats,
            indexes=indexes,
            text=args.show_plans,
            serial=True,
        )
        with without_indexes(new_indexes):
            before = explain(
                rows_sql, params, repeats=args.repeats, indexes=indexes, text=args.show_plans
            )
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, params)
            (matched,) = cursor.fetchone()
        print(f"  {label} ({matched:,} milestones):")
        show("scan (the rows, by due date)", scan, args.show_plans)
        show("floor (count over the index, serial)", floor, args.show_plans)
        show("scan without the partial indexes", before, args.show_plans)
        # A scan that must return columns outside the index reads at most one heap page per
        # row it returns, beyond the index pages the count reads; time is reported beside.
        bound = floor.buffers + matched
        report.floor(
            f"{label}: scan reads only the rows it returns",
            f"{scan.touched:,} rows read, {scan.buffers:,} buffers, "
            f"{'a Seq Scan' if scan.seq_scan else 'no Seq Scan'}",
            f"rows read = {matched:,} matched, buffers <= {bound:,} "
            "(the count's index pages + one heap page per row), no Seq Scan of milestones",
            scan.touched == matched and scan.buffers <= bound and not scan.seq_scan,
        )
        report.info(
            f"{label}: scan / floor",
            f"{scan.ms:.2f} ms / {floor.ms:.2f} ms = {scan.ms / floor.ms:.1f}",
        )
        report.info(
            f"{label}: without the partial indexes / with",
            f"{before.ms:.1f} ms / {scan.ms:.2f} ms = {before.ms / scan.ms:.0f}x",
        )
    print()


def describe_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    settings = connection.settings_dict
    return (
        f"{version} at {settings['HOST'] or 'local socket'}/{settings['NAME']}, "
        f"shared_buffers {shared_buffers}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = tenant_sizes(args)
    configure_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from milestones.models import Milestone

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    if Milestone._base_manager.exists():
        print("The database already holds milestones: give an empty one.", file=sys.stderr)
        return 2

    today = datetime.date.today()
    print("Hot paths benchmark")
    print(f"  database: {describe_database()} (migrated in {migrate_s:.1f} s)")
    print(f"  python {platform.python_version()}, {os.cpu_count()} cores")
    print(
        f"  {len(sizes)} tenants, engagements {', '.join(f'{size:,}' for size in sizes)}; "
        f"{args.per_engagement} milestones each"
    )

    report = Report()
    started = time.perf_counter()
    loads = load(sizes=sizes, per=args.per_engagement, layout=args.layout, today=today)
    load_s = time.perf_counter() - started
    vacuum_s = vacuum_analyze()
    print(
        f"  loaded {sum(each.milestones for each in loads):,} milestones in {load_s:.1f} s, "
        f"{args.layout} layout (VACUUM ANALYZE {vacuum_s:.1f} s)"
    )
    print(f"  and what the health subqueries read: {health_rows()}")
    print()
    indexes = milestone_indexes()
    part_portfolio(report=report, loads=loads, today=today, args=args, indexes=indexes)
    part_scans(report=report, focus=loads[0], today=today, args=args, indexes=indexes)

    if report.failures:
        print(f"FAIL: {len(report.failures)} floor(s) not met: {'; '.join(report.failures)}")
    else:
        print("PASS: every floor met")
    connection.close()
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
