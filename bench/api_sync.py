"""Benchmark: a consumer's full sync of 100,000 milestones through the REST API.

It builds one tenant on PostgreSQL with engagements from the shipped playbooks, then fills it
up to N milestones with set-based inserts (one INSERT ... SELECT over generate_series). It
then prints:

- the rows per second of a full sync through ``GET /api/v1/milestones/`` (following ``next``
  until it is null) for each page size, the fastest and 100 among them, with the SQL queries
  each page took;
- beside them the floor: the same rows and columns fetched with one indexed keyset SQL query
  per page (psycopg2 directly) and encoded to JSON;
- a load run: gunicorn with 2 workers on loopback and ``wrk`` at 50 connections for ~10 s
  against the milestone list, with its errors and p50/p99 latency.

Targets (exit status 1 when one fails): the API syncs at least half the floor's rows per
second at its fastest page size; every page takes the same number of queries; the load run
has no errors. The database must be an empty PostgreSQL database (it is migrated; the rows
stay behind):

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_bench_api'
    .venv/bin/python bench/api_sync.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_api
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZES = (100, 250, 500, 1000)
MIN_FRACTION_OF_FLOOR = 0.5
LOAD_PAGE_SIZE = 100
ROUNDS = 3
NEXT_LINK = re.compile(rb'^\{"next":(null|"([^"]*)")')

FLOOR_SQL = """
SELECT m.public_id, e.public_id, p.kind, m.title, m.description, u.public_id, m.side,
       m.due_date, m.status, m.evidence, m.evidence_required,
       COALESCE((SELECT array_agg(d.public_id ORDER BY d.public_id)
                 FROM milestones_milestonedependency md
                 JOIN milestones_milestone d ON d.id = md.depends_on_id
                 WHERE md.milestone_id = m.id), '{}'),
       m.external_id, m.version, m.created_at, m.updated_at
FROM milestones_milestone m
JOIN engagements_engagement e ON e.id = m.engagement_id
JOIN engagements_phase p ON p.id = m.phase_id
JOIN accounts_user u ON u.id = m.owner_id
WHERE m.tenant_id = %s AND m.public_id > %s
ORDER BY m.public_id
LIMIT %s
"""
FLOOR_KEYS = (
    "id",
    "engagement",
    "phase",
    "title",
    "description",
    "owner",
    "side",
    "due_date",
    "status",
    "evidence",
    "evidence_required",
    "depends_on",
    "external_id",
    "version",
    "created_at",
    "updated_at",
)

FILL_SQL = """
WITH phases AS (
    SELECT id, engagement_id, planned_start,
           (row_number() OVER (ORDER BY id)) - 1 AS position
    FROM engagements_phase WHERE tenant_id = %(tenant)s
), total AS (SELECT count(*) AS phases FROM phases)
INSERT INTO milestones_milestone (
    tenant_id, public_id, engagement_id, phase_id, title, description, owner_id, side,
    due_date, status, evidence, evidence_link, evidence_required, external_id, playbook_key,
    version, created_at, updated_at
)
SELECT %(tenant)s, gen_random_uuid(), p.engagement_id, p.id,
       'Bench milestone ' || g, 'Filled by bench/api_sync.py', %(owner)s,
       (ARRAY['client', 'provider', 'joint'])[1 + g %% 3],
       p.planned_start + (g %% 20),
       (ARRAY['not_started', 'in_progress', 'blocked', 'done', 'cancelled'])[1 + g %% 5],
       CASE WHEN g %% 5 = 3 THEN 'Signed off in the ticketing tool' ELSE '' END,
       '', g %% 7 = 0, 'BENCH-' || %(run)s || '-' || g, '', 1 + g %% 4, now(), now()
FROM generate_series(1, %(count)s) AS g
JOIN phases p ON p.position = g %% (SELECT phases FROM total)
"""
# One in ten filled milestones depends on the one filled before it in the same phase.
DEPEND_SQL = """
INSERT INTO milestones_milestonedependency (tenant_id, milestone_id, depends_on_id)
SELECT %(tenant)s, id, previous FROM (
    SELECT id, lag(id) OVER (PARTITION BY phase_id ORDER BY id) AS previous,
           row_number() OVER (ORDER BY id) AS n
    FROM milestones_milestone WHERE tenant_id = %(tenant)s AND playbook_key = ''
) AS filled
WHERE n %% 10 = 0 AND previous IS NOT NULL
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--milestones", type=int, default=100_000, help="default 100000")
    parser.add_argument(
        "--page-sizes",
        default=",".join(map(str, PAGE_SIZES)),
        help=f"comma-separated (default {','.join(map(str, PAGE_SIZES))})",
    )
    parser.add_argument("--load-seconds", type=int, default=10, help="wrk duration (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--skip-load", action="store_true", help="no gunicorn/wrk run")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must point at PostgreSQL")
    args.page_sizes = [int(size) for size in args.page_sizes.split(",")]
    return args


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "False"  # no query log, as in production
    os.environ.setdefault("API_THROTTLE_RATE", "100000000/min")
    import django

    django.setup()


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def target(self, label: str, figure: str, target: str, ok: bool) -> None:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {figure}  (target: {target})")
        if not ok:
            self.failures.append(label)

    @staticmethod
    def info(label: str, figure: str) -> None:
        print(f"  info  {label}: {figure}")


# --- Building the tenant ------------------------------------------------------------------------


def build_tenant(*, run_id: str, milestones: int):
    """A tenant whose engagements come from the shipped playbooks, filled up to ``milestones``."""
    from django.db import connection, transaction

    from accounts.models import Membership, Tenant, User
    from api.services import issue_token
    from engagements.playbooks import builtin_playbooks
    from kernel.tenancy import tenant_context
    from milestones.models import Milestone
    from transition.services import create_engagement_from_playbook

    tenant = Tenant.objects.create(name=f"Bench API {run_id}", slug=run_id)
    people = {}
    for label, role in (("pmo", "pmo"), ("client", "member"), ("provider", "member")):
        people[label] = User.objects.create_user(username=f"{run_id}-{label}", password=None)
        Membership.objects.create(user=people[label], tenant=tenant, role=role)
    with tenant_context(tenant):
        for number, playbook in enumerate(sorted(builtin_playbooks().values(), key=str), 1):
            for copy in range(3):
                create_engagement_from_playbook(
                    actor=people["pmo"],
                    tenant=tenant,
                    playbook=playbook,
                    name=f"Bench {number}.{copy} {playbook.key}",
                    client_name="Bench client",
                    provider_name=f"Provider {copy}",
                    contract_signed_on=datetime.date(2026, 1, 5),
                    owners={
                        role.key: people["pmo" if role.side == "pmo" else role.side]
                        for role in playbook.roles
                    },
                )
        existing = Milestone.objects.count()
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                FILL_SQL,
                {
                    "tenant": tenant.pk,
                    "owner": people["provider"].pk,
                    "count": max(0, milestones - existing),
                    "run": run_id,
                },
            )
            cursor.execute(DEPEND_SQL, {"tenant": tenant.pk})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        fill_s = time.perf_counter() - started
        total = Milestone.objects.count()
        _token, secret = issue_token(
            actor=None, tenant=tenant, user=people["pmo"], name="Bench sync", read_only=True
        )
    return tenant, total, fill_s, secret


# --- The sync through the API, page by page beside the floor -------------------------------------


def sync_beside_floor(*, secret: str, tenant_id: int, page_size: int, count_queries: bool):
    """One full sync through the list endpoint and one through the floor, page by page in
    turn (so that both see the same load on the machine).

    Returns API seconds, floor seconds, rows, pages and the query counts of the API's pages
    (the token's last use, written at most once a minute, counted apart).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    url = f"/api/v1/milestones/?page_size={page_size}"
    after = uuid.UUID(int=0)
    api_seconds = floor_seconds = 0.0
    rows = floor_rows = pages = bookkeeping = 0
    queries: set[int] = set()
    while url:
        started = time.perf_counter()
        if count_queries:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            writes = sum(q["sql"].startswith('UPDATE "api_apitoken"') for q in captured)
            bookkeeping += writes
            queries.add(len(captured) - writes)
        else:
            response = client.get(url)
        api_seconds += time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]}")
        body = response.content
        rows += body.count(b'"engagement":')
        pages += 1
        link = NEXT_LINK.match(body)
        url = None
        if link and link.group(2):
            parts = urlsplit(link.group(2).decode())
            url = f"{parts.path}?{parts.query}"

        started = time.perf_counter()
        cursor.execute(FLOOR_SQL, (tenant_id, str(after), page_size))
        page = cursor.fetchall()
        json.dumps([dict(zip(FLOOR_KEYS, row, strict=True)) for row in page], default=str)
        floor_seconds += time.perf_counter() - started
        floor_rows += len(page)
        if page:
            after = page[-1][0]
    cursor.close()
    if rows != floor_rows:
        raise RuntimeError(f"the API synced {rows} rows, the floor {floor_rows}")
    return api_seconds, floor_seconds, rows, pages, queries, bookkeeping


def explain_floor(tenant_id: int, page_size: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + FLOOR_SQL, [tenant_id, str(uuid.UUID(int=0)), page_size])
        plan = " ".join(line[0] for line in cursor.fetchall())
    match = re.search(r"Index Scan using (\w+) on milestones_milestone", plan)
    return match.group(1) if match else "no index scan on milestones"


# --- The load run --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, secret: str, deadline: float) -> None:
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 (a loopback http URL of our own)
        url, headers={"Authorization": f"Bearer {secret}"}
    )
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} in time")


def load_run(*, secret: str, seconds: int, connections: int, database_url: str) -> dict:
    wrk, gunicorn = shutil.which("wrk"), ROOT / ".venv" / "bin" / "gunicorn"
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_RATE": "100000000/min",
        "DJANGO_SETTINGS_MODULE": "bpo_transition.settings.local",
    }
    server = subprocess.Popen(  # noqa: S603 (our own virtualenv's gunicorn)
        [str(gunicorn), "bpo_transition.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/v1/milestones/?page_size={LOAD_PAGE_SIZE}"
    try:
        wait_for(url, secret, time.monotonic() + 60)
        result = subprocess.run(  # noqa: S603
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-H",
                f"Authorization: Bearer {secret}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return parse_wrk(result.stdout)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> dict:
    if "Latency Distribution" not in output:
        raise RuntimeError(f"wrk printed no latency distribution:\n{output}")
    percentile = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": requests,
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(percentile["50"]),
        "p99_ms": _ms(percentile["99"]),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


# --- Main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    run_id = f"bench-api-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    print(f"API sync benchmark, run {run_id}")
    print(f"  database: PostgreSQL {connection.pg_version // 10000}")
    print(
        f"  python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    tenant, total, fill_s, secret = build_tenant(run_id=run_id, milestones=args.milestones)
    print(f"  tenant filled to {total:,} milestones ({fill_s:.1f} s of set-based inserts)")
    print(f"  floor query plan: index scan using {explain_floor(tenant.pk, 100)}")
    print()

    report = Report()
    print(f"Full sync, best of {ROUNDS} rounds (API and floor page by page in turn)")
    print(
        f"  {'page size':>9}  {'API rows/s':>11}  {'floor rows/s':>12}  {'API/floor':>9}"
        "  queries per API page"
    )
    results = {}
    for size in args.page_sizes:
        *_, rows, pages, queries, bookkeeping = sync_beside_floor(
            secret=secret, tenant_id=tenant.pk, page_size=size, count_queries=True
        )
        timings = [
            sync_beside_floor(
                secret=secret, tenant_id=tenant.pk, page_size=size, count_queries=False
            )[:2]
            for _round in range(ROUNDS)
        ]
        api_rate = rows / min(api for api, _floor in timings)
        floor_rate = rows / min(floor for _api, floor in timings)
        results[size] = (api_rate, floor_rate, queries)
        extra = f" (+{bookkeeping} last-use write)" if bookkeeping else ""
        print(
            f"  {size:>9}  {api_rate:>11,.0f}  {floor_rate:>12,.0f}  "
            f"{api_rate / floor_rate:>9.2f}  {sorted(queries)} over {pages} pages{extra}"
        )
        if rows != total:
            report.target(f"rows synced at page size {size}", f"{rows:,}", f"{total:,}", False)
    fastest = max(results, key=lambda size: results[size][0])
    api_rate, floor_rate, _queries = results[fastest]
    print()
    report.target(
        f"API sync at its fastest page size ({fastest})",
        f"{api_rate:,.0f} rows/s = {api_rate / floor_rate:.2f} of the floor's {floor_rate:,.0f}",
        f">= {MIN_FRACTION_OF_FLOOR} of the floor",
        api_rate >= MIN_FRACTION_OF_FLOOR * floor_rate,
    )
    if 100 in results and fastest != 100:
        report.info(
            "API sync at page size 100",
            f"{results[100][0]:,.0f} rows/s = {results[100][0] / results[100][1]:.2f} of the "
            f"floor's {results[100][1]:,.0f}",
        )
    every = set().union(*(result[2] for result in results.values()))
    report.target(
        "SQL queries per page",
        f"{sorted(every)} at every page size (token, membership, the page)",
        "one constant count",
        len(every) == 1,
    )
    connection.close()

    if not args.skip_load:
        print()
        print(
            f"Load: gunicorn 2 workers, wrk {args.connections} connections for "
            f"{args.load_seconds} s, GET /api/v1/milestones/?page_size={LOAD_PAGE_SIZE}"
        )
        load = load_run(
            secret=secret,
            seconds=args.load_seconds,
            connections=args.connections,
            database_url=args.database_url,
        )
        report.info(
            "throughput",
            f"{load['requests']:,} requests, {load['per_second']:,.0f} requests/s "
            f"({load['per_second'] * LOAD_PAGE_SIZE:,.0f} rows/s)",
        )
        report.info("latency", f"p50 {load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms")
        report.target("errors", str(load["errors"]), "0", load["errors"] == 0)
    print()
    print(f"  load average {os.getloadavg()[0]:.1f} at the end")
    print("PASS: every target met" if not report.failures else f"FAIL: {report.failures}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
