"""Benchmark: server time of the browser pages against a floor, in process.

Two pages are measured with Django's test Client (the whole stack: middleware, session,
tenant resolution, view, selectors, templates), each over REQUESTS requests after a warm-up:

- the portfolio (``/``) of a tenant with N engagements (default 200), as PMO;
- the engagement page (``/engagements/<uuid>/``) of an engagement with M milestones
  (default 300), as its provider lead.

Beside each, a floor: the same rows fetched by raw SQL and rendered by a trivial template
compiled once (no session, no middleware, no permission checks). The portfolio's floor runs
the page's own row query (every one of its 13 subqueries) for the 25 rows the page shows, and
the paginator's count. The measured tenant has neighbours (``--tenants``, default 3). The
ratio page / floor is the overhead of everything the real page does; the goal is within
GOAL_RATIO. The exit status is 1 when a goal is missed.

By default everything happens in a throwaway SQLite file in a temporary folder, deleted at the
end. ``--database-url`` points the run at another database instead (for PostgreSQL, an empty
database that the script migrates; it leaves its rows behind).

    .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/bpo_bench
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 3.0
WARM_UP = 3


@dataclass
class Measure:
    label: str
    median_ms: float
    queries: int
    floor_ms: float
    floor_queries: int
    size_kb: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_ms


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=200, metavar="N")
    parser.add_argument("--milestones", type=int, default=300, metavar="M")
    parser.add_argument("--requests", type=int, default=20, metavar="R")
    parser.add_argument("--tenants", type=int, default=3, help="tenants in all (default 3)")
    parser.add_argument(
        "--other-engagements", type=int, default=50, help="each other tenant's (default 50)"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use this database instead of a throwaway SQLite file (it is migrated)",
    )
    return parser.parse_args(argv)


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # The test settings: DEBUG off, static files served without a manifest, fast hashing.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bpo_transition.settings.test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["DEBUG"] = "false"

    import django

    django.setup()


def build(*, run_id: str, engagements: int, milestones: int):
    """A tenant with ``engagements`` engagements; the first one has ``milestones``."""
    from accounts.models import Membership, Tenant, User
    from engagements.models import Phase
    from engagements.playbooks import builtin_playbooks
    from kernel.tenancy import tenant_context
    from milestones.models import Milestone
    from transition.services import create_engagement_from_playbook

    def person(kind: str, first: str) -> User:
        return User.objects.create_user(
            username=f"{run_id}-{kind}", password=None, first_name=first, last_name=kind.title()
        )

    tenant = Tenant.objects.create(name=f"Bench {run_id}", slug=run_id)
    people = {
        "pmo": person("pmo", "Priya"),
        "client": person("client", "Claire"),
        "provider": person("provider", "Paolo"),
    }
    Membership.objects.create(user=people["pmo"], tenant=tenant, role=Membership.Role.PMO)
    for side in ("client", "provider"):
        Membership.objects.create(user=people[side], tenant=tenant, role=Membership.Role.MEMBER)
    playbooks = [builtin_playbooks()[key] for key in sorted(builtin_playbooks())]
    day0 = datetime.date.today() - datetime.timedelta(days=10)
    with tenant_context(tenant):
        created = []
        for number in range(engagements):
            playbook = playbooks[number % len(playbooks)]
            created.append(
                create_engagement_from_playbook(
                    actor=people["pmo"],
                    tenant=tenant,
                    playbook=playbook,
                    name=f"Engagement {number:04d}",
                    client_name=f"Client {number % 17}",
                    provider_name=f"Provider {number % 5}",
                    contract_signed_on=day0,
                    owners={role.key: people[role.side] for role in playbook.roles},
                )
            )
        engagement = created[0]
        phases = list(Phase.objects.filter(engagement=engagement).order_by("position"))
        have = Milestone.objects.filter(engagement=engagement).count()
        owners = [people["client"], people["provider"], people["pmo"]]
        Milestone.objects.bulk_create(
            [
                Milestone(
                    tenant=tenant,
                    engagement=engagement,
                    phase=phases[number % len(phases)],
                    title=f"Bench step {number:03d} with a realistic title",
                    owner=owners[number % 3],
                    side=("client", "provider", "joint")[number % 3],
                    due_date=day0 + datetime.timedelta(days=number % 90),
                    status=("not_started", "in_progress", "done", "blocked")[number % 4],
                    evidence="Signed minutes in the shared folder" if number % 4 == 2 else "",
                    evidence_required=number % 2 == 0,
                )
                for number in range(max(milestones - have, 0))
            ],
            batch_size=200,
        )
    return tenant, people, engagement


PORTFOLIO_TEMPLATE = (
    "<p>{{ total }} engagements</p><table>{% for r in rows %}<tr>"
    "<td><a href='/engagements/{{ r.public_id }}/'>{{ r.name }}</a></td>"
    "<td>{{ r.client_name }}</td><td>{{ r.provider_name }}</td><td>{{ r.status }}</td>"
    "<td>{{ r.next_phase_kind }} {{ r.next_phase_status }}</td>"
    "<td>{{ r.next_gate_name }} {{ r.next_gate_status }} {{ r.next_gate_due }}</td>"
    "<td>{{ r.open_milestones }} / {{ r.total_milestones }} ({{ r.done_milestones }} done, "
    "{{ r.overdue_milestones }} overdue)</td><td>{{ r.kpi_misses }} {{ r.kpi_review_day }} "
    "{{ r.kpis_below_target }} {{ r.kpis_worsening }} {{ r.high_risks }}</td>"
    "<td>{{ r.target_go_live }}</td></tr>{% endfor %}</table>"
)
ENGAGEMENT_SQL = (
    """SELECT name, client_name, provider_name, status, contract_signed_on, target_go_live
         FROM engagements_engagement WHERE id = %s AND tenant_id = %s""",
    """SELECT p.id, p.kind, p.position, p.status, p.planned_start, p.planned_end,
              p.actual_start, p.actual_end, g.name, g.status
         FROM engagements_phase p LEFT JOIN governance_gate g ON g.phase_id = p.id
        WHERE p.engagement_id = %s ORDER BY p.position""",
    """SELECT m.public_id, m.title, u.first_name, u.last_name, m.side, m.due_date, m.status,
              m.evidence, m.evidence_link, m.version
         FROM milestones_milestone m JOIN accounts_user u ON u.id = m.owner_id
        WHERE m.engagement_id = %s ORDER BY m.due_date, m.id""",
)
ENGAGEMENT_TEMPLATE = (
    "<h1>{{ head.0 }}</h1><p>{{ head.1 }} {{ head.2 }} {{ head.3 }} {{ head.4 }} {{ head.5 }}"
    "</p><ul>{% for p in phases %}<li>{{ p.1 }} {{ p.3 }} {{ p.4 }} {{ p.5 }} {{ p.8 }}</li>"
    "{% endfor %}</ul><table>{% for r in rows %}<tr id='m-{{ r.0 }}'><td>{{ r.1 }}</td>"
    "<td>{{ r.2 }} {{ r.3 }}</td><td>{{ r.4 }}</td><td>{{ r.5 }}</td><td>{{ r.6 }}</td>"
    "<td>{{ r.7 }} {{ r.8 }}</td></tr>{% endfor %}</table>"
)


def portfolio_floor_sql(actor) -> tuple[str, list, str, list]:
    """The page's own row query, every one of its 13 subqueries included, for the 25 rows
    the page shows, as SQL text (compiled once, outside the timing); and its count."""
    from kernel.tenancy import tenant_context
    from transition.portfolio import DEFAULT_PER_PAGE, portfolio_rows, today_for

    with tenant_context(actor.memberships.get().tenant):
        rows = portfolio_rows(actor=actor, today=today_for(actor))
        sql, params = rows[:DEFAULT_PER_PAGE].query.sql_with_params()
        count_sql, count_params = rows.order_by().values("pk").query.sql_with_params()
    count_sql = f"SELECT COUNT(*) FROM ({count_sql}) AS page"  # noqa: S608 (Django's own SQL)
    return sql, list(params), count_sql, list(count_params)


def floor_portfolio(floor_sql) -> str:
    """The same 25 rows with the same subqueries, counted as the paginator counts them,
    rendered by a template compiled once."""
    from django.db import connection
    from django.template import Context

    sql, params, count_sql, count_params = floor_sql
    with connection.cursor() as cursor:
        cursor.execute(count_sql, count_params)
        total = cursor.fetchone()[0]
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return TEMPLATES["portfolio"].render(Context({"rows": rows, "total": total}))


def floor_engagement(tenant, engagement) -> str:
    from django.db import connection
    from django.template import Context

    head_sql, phases_sql, rows_sql = ENGAGEMENT_SQL
    with connection.cursor() as cursor:
        cursor.execute(head_sql, [engagement.pk, tenant.pk])
        head = cursor.fetchone()
        cursor.execute(phases_sql, [engagement.pk])
        phases = cursor.fetchall()
        cursor.execute(rows_sql, [engagement.pk])
        rows = cursor.fetchall()
    context = Context({"head": head, "phases": phases, "rows": rows})
    return TEMPLATES["engagement"].render(context)


TEMPLATES: dict = {}  # the floors' templates, compiled once (the app's loader caches its own)


def compile_templates() -> None:
    from django.template import Template

    TEMPLATES["portfolio"] = Template(PORTFOLIO_TEMPLATE)
    TEMPLATES["engagement"] = Template(ENGAGEMENT_TEMPLATE)


def timed_runs(page, floor, requests: int) -> tuple[list[float], list[float]]:
    """Wall ms of each call of ``page`` and ``floor`` after a warm-up, taken in turns so
    that a busy machine slows both alike."""
    for _ in range(WARM_UP):
        page()
        floor()
    page_times, floor_times = [], []
    for _ in range(requests):
        for function, times in ((page, page_times), (floor, floor_times)):
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
    return page_times, floor_times


def queries_of(function) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = function()
    return len(captured.captured_queries), result


def measure_page(*, label, client, url, floor, requests: int) -> Measure:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return response

    page_times, floor_times = timed_runs(get, floor, requests)
    queries, response = queries_of(get)
    floor_queries, _ = queries_of(floor)
    return Measure(
        label=label,
        median_ms=statistics.median(page_times),
        queries=queries,
        floor_ms=statistics.median(floor_times),
        floor_queries=floor_queries,
        size_kb=len(response.content) / 1024,
    )


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        return cursor.fetchone()[0].split(" on ")[0]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = None
    if args.database_url:
        database_url = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp(prefix="bpo-bench-pages-"))
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    try:
        configure_django(database_url)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        call_command("migrate", verbosity=0)
        run_id = f"bench-pages-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        # The measured tenant among neighbours, built before and after it, so that every
        # table holds other tenants' rows around its own.
        neighbours = args.tenants - 1
        for number in range(neighbours // 2):
            build(run_id=f"{run_id}-n{number}", engagements=args.other_engagements, milestones=0)
        tenant, people, engagement = build(
            run_id=run_id, engagements=args.engagements, milestones=args.milestones
        )
        for number in range(neighbours // 2, neighbours):
            build(run_id=f"{run_id}-n{number}", engagements=args.other_engagements, milestones=0)
        compile_templates()
        portfolio_sql = portfolio_floor_sql(people["pmo"])
        print(f"Page benchmark, run {run_id}")
        print(
            f"  {describe_database()}, python {platform.python_version()}, "
            f"{os.cpu_count()} cores; data built in {time.perf_counter() - started:.1f} s"
        )
        print(
            f"  {args.tenants} tenants: the measured one and {neighbours} of "
            f"{args.other_engagements} engagements each"
        )
        print(
            f"  median of {args.requests} requests after {WARM_UP} warm-up ones, in process; "
            "page and floor taken in turns"
        )
        print()

        from kernel.tenancy import tenant_context

        pmo_client, lead_client = Client(), Client()
        pmo_client.force_login(people["pmo"])
        lead_client.force_login(people["provider"])
        measures = [
            measure_page(
                label=f"portfolio /, {args.engagements} engagements (PMO)",
                client=pmo_client,
                url="/",
                floor=lambda: floor_portfolio(portfolio_sql),
                requests=args.requests,
            ),
        ]
        with tenant_context(tenant):
            milestone_count = engagement.milestones.count()
        measures.append(
            measure_page(
                label=f"engagement page, {milestone_count} milestones (provider lead)",
                client=lead_client,
                url=f"/engagements/{engagement.public_id}/",
                floor=lambda: floor_engagement(tenant, engagement),
                requests=args.requests,
            )
        )

        width = max(len(m.label) for m in measures)
        print(
            f"  {'page':<{width}}  {'median ms':>9}  {'queries':>7}  {'floor ms':>8}  "
            f"{'floor q':>7}  {'ratio':>6}  {'KiB':>6}  goal"
        )
        missed = []
        for m in measures:
            verdict = "PASS" if m.ratio <= GOAL_RATIO else "MISS"
            if verdict == "MISS":
                missed.append(m.label)
            print(
                f"  {m.label:<{width}}  {m.median_ms:>9.1f}  {m.queries:>7}  {m.floor_ms:>8.1f}  "
                f"{m.floor_queries:>7}  {m.ratio:>5.1f}x  {m.size_kb:>6.0f}  "
                f"<= {GOAL_RATIO:g}x {verdict}"
            )
        print()
        print(
            "MISS: " + "; ".join(missed)
            if missed
            else f"PASS: every page within {GOAL_RATIO:g}x its floor"
        )
        connection.close()
        return 1 if missed else 0
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
