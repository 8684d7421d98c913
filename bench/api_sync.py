"""Benchmark: a consumer's full sync through the REST API, over HTTP, beside a floor app.

As a consumer reaches it: gunicorn serving ``bpo_transition.wsgi`` with the production
settings (random ``SECRET_KEY``, Redis cache, requests saying ``X-Forwarded-Proto: https`` as
the TLS proxy does) on a loopback port. Beside it, under the same gunicorn with the same
workers, the floor app (``bench/floor_app.py``): the same rows, the same columns in the same
order, ids cast to text by the database, the same JSON encoding and envelope, and nothing
else (no authentication, tenant, middleware or Django).

Data: several tenants (default 3), each with 12 engagements from the shipped playbooks
(through the service), then filled with milestones written WITH their events: a bulk path
that writes the rows ``milestones.services`` writes (the milestone, its dependencies, a
``milestone.created`` event with its snapshot; then half of them moved on to in progress or
done by a ``milestone.updated`` event with its changes), in chunks interleaved across
tenants, so the tables hold every tenant's rows mixed as they would be. The first tenant is
synced; the others are its neighbours.

Measured (every figure beside its floor, its ratio and its goal; exit 1 on a miss):

- full sync of ``/api/v1/milestones/`` at page sizes 100 and 1000 (goal >= 0.5x the floor);
- full sync of ``/api/v1/changes/`` at limit 1000 (goal >= 0.6x the floor);
  API and floor are fetched page by page in turn (one request at a time, each over a new
  connection as gunicorn's sync workers answer), best of ``--rounds``;
- under load: ``wrk`` with 50 connections for 30 s against the milestone list (100-row
  pages) and the feed (100 entries from its 1000th on), then the same against the floor
  app: throughput >= 0.5x the floor app's, p99 <= 2x the floor app's p99, 0 errors.

Before timing, the first page of each endpoint is checked against the floor's (same rows,
same values), and the queries of a page are counted in process (constant across pages).

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_bench_api'
    .venv/bin/python bench/api_sync.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_api
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_bench_api'
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LIST_GOAL = 0.5
FEED_GOAL = 0.6
LOAD_THROUGHPUT_GOAL = 0.5
LOAD_P99_GOAL = 2.0
LOAD_PAGE_SIZE = 100
CHUNK = 2000
PROXY = {"X-Forwarded-Proto": "https"}
MILESTONE_NEXT = re.compile(rb'^\{"next":(?:null|"([^"]*)")')
FEED_NEXT = re.compile(rb',"next":(?:null|"([^"]*)")\}$')


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--milestones", type=int, default=100_000, help="the synced tenant's")
    parser.add_argument("--tenants", type=int, default=3, help="tenants in all (default 3)")
    parser.add_argument(
        "--other-milestones", type=int, help="each other tenant's (default a quarter)"
    )
    parser.add_argument("--list-page-sizes", default="100,1000")
    parser.add_argument("--feed-page-sizes", default="1000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--conn-max-age",
        help="CONN_MAX_AGE for the app (default: unset, the production default of 0)",
    )
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--skip-load", action="store_true", help="no wrk runs")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must point at PostgreSQL")
    args.list_page_sizes = [int(size) for size in args.list_page_sizes.split(",") if size]
    args.feed_page_sizes = [int(size) for size in args.feed_page_sizes.split(",") if size]
    if args.other_milestones is None:
        args.other_milestones = args.milestones // 4
    return args


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bpo_transition.settings.local"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "False"
    os.environ["API_THROTTLE_RATE"] = "100000000/min"
    # The app's production SECRET_KEY: API tokens are stored as HMACs under a key derived
    # from it, so the token issued here must be issued under the same key.
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("BROKER_DIR", tempfile.mkdtemp(prefix="bench-api-broker-"))
    import django

    django.setup()


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def goal(self, label: str, figure: str, floor: str, ratio: str, goal: str, ok: bool) -> None:
        print(
            f"  {'PASS' if ok else 'FAIL'}  {label}: {figure}; floor {floor}; ratio {ratio} "
            f"(goal {goal})"
        )
        if not ok:
            self.failures.append(label)

    def check(self, label: str, figure: str, ok: bool) -> None:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}: {figure}")
        if not ok:
            self.failures.append(label)

    @staticmethod
    def info(label: str, figure: str) -> None:
        print(f"  info  {label}: {figure}")


# --- Building the tenants -----------------------------------------------------------------------


def build_tenant(*, run_id: str, number: int):
    """A tenant, three people, 12 engagements from the shipped playbooks (the service)."""
    from accounts.models import Membership, Tenant, User
    from engagements.playbooks import builtin_playbooks
    from kernel.tenancy import tenant_context
    from transition.services import create_engagement_from_playbook

    slug = f"{run_id}-{number}"
    tenant = Tenant.objects.create(name=f"Bench API {slug}", slug=slug)
    people = {}
    for label, role in (("pmo", "pmo"), ("client", "member"), ("provider", "member")):
        people[label] = User.objects.create_user(username=f"{slug}-{label}", password=None)
        Membership.objects.create(user=people[label], tenant=tenant, role=role)
    with tenant_context(tenant):
        for index, playbook in enumerate(sorted(builtin_playbooks().values(), key=str), 1):
            for copy in range(3):
                create_engagement_from_playbook(
                    actor=people["pmo"],
                    tenant=tenant,
                    playbook=playbook,
                    name=f"Bench {index}.{copy} {playbook.key}",
                    client_name="Bench client",
                    provider_name=f"Provider {copy}",
                    contract_signed_on=datetime.date(2026, 1, 5),
                    owners={
                        role.key: people["pmo" if role.side == "pmo" else role.side]
                        for role in playbook.roles
                    },
                )
    return tenant, people


def fill_chunk(*, tenant, people, start: int, count: int, run_id: str) -> None:
    """``count`` milestones with the rows and events the services write: created (one
    ``milestone.created`` operation per engagement), then half moved on (one
    ``milestone.updated`` operation)."""
    from django.utils import timezone

    from audit.services import operation, record_many_created, record_many_updated, snapshot
    from engagements.models import Engagement, Phase
    from kernel.tenancy import tenant_context
    from milestones.models import Milestone, MilestoneDependency

    with tenant_context(tenant):
        engagements = list(Engagement.objects.order_by("id"))
        phases: dict[int, list] = {}
        for phase in Phase.objects.order_by("engagement_id", "position"):
            phases.setdefault(phase.engagement_id, []).append(phase)
        by_engagement: dict[int, list[int]] = {}
        for g in range(start, start + count):
            by_engagement.setdefault(g % len(engagements), []).append(g)

        @operation("milestone.created", tenant_of="engagement")
        def create(*, engagement, numbers):
            made = []
            for g in numbers:
                phase = phases[engagement.pk][g % len(phases[engagement.pk])]
                made.append(
                    Milestone(
                        tenant_id=tenant.pk,
                        engagement=engagement,
                        phase=phase,
                        title=f"Bench milestone {g}",
                        description="Filled by bench/api_sync.py",
                        owner=people["provider"],
                        side=("client", "provider", "joint")[g % 3],
                        due_date=phase.planned_start + datetime.timedelta(days=g % 20),
                        evidence_required=g % 7 == 0,
                        external_id=f"BENCH-{run_id}-{g}",
                    )
                )
            Milestone.objects.bulk_create(made)
            links = []
            for index, milestone in enumerate(made):
                depends = [made[index - 1]] if index and index % 10 == 0 else []
                links += [
                    MilestoneDependency(tenant_id=tenant.pk, milestone=milestone, depends_on=d)
                    for d in depends
                ]
                milestone._audit_values = {"depends_on": sorted(str(d.public_id) for d in depends)}
            MilestoneDependency.objects.bulk_create(links)
            record_many_created(actor=people["pmo"], instances=made)
            return made

        @operation("milestone.updated", tenant_of="engagement")
        def move_on(*, engagement, milestones):
            changed, now = [], timezone.now()
            for milestone in milestones:
                before = snapshot(milestone)
                if int(milestone.title.rsplit(" ", 1)[1]) % 4 == 2:
                    milestone.status = Milestone.Status.IN_PROGRESS
                else:
                    milestone.status = Milestone.Status.DONE
                    milestone.evidence = "Signed off in the ticketing tool"
                    milestone.completed_at, milestone.completed_by = now, people["provider"]
                milestone.version += 1
                milestone.updated_at = now
                changed.append((milestone, before))
            Milestone.objects.bulk_update(
                milestones,
                ["status", "evidence", "completed_at", "completed_by", "version", "updated_at"],
            )
            record_many_updated(actor=people["provider"], changed=changed)

        for index, numbers in by_engagement.items():
            engagement = engagements[index]
            made = create(engagement=engagement, numbers=numbers)
            moving = [m for m in made if int(m.title.rsplit(" ", 1)[1]) % 4 >= 2]
            if moving:
                move_on(engagement=engagement, milestones=moving)


def build(args, run_id: str):
    from django.db import connection

    from accounts.models import Tenant
    from api.services import issue_token
    from kernel.tenancy import tenant_context
    from milestones.models import Milestone

    tenants = [build_tenant(run_id=run_id, number=n) for n in range(args.tenants)]
    wanted = [args.milestones] + [args.other_milestones] * (args.tenants - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tenant_id, count(*) FROM milestones_milestone GROUP BY tenant_id",
        )
        have = dict(cursor.fetchall())
    missing = [max(0, w - have.get(t.pk, 0)) for (t, _p), w in zip(tenants, wanted, strict=True)]
    done = [0] * len(tenants)
    while any(d < m for d, m in zip(done, missing, strict=True)):
        for index, ((tenant, people), need) in enumerate(zip(tenants, missing, strict=True)):
            count = min(CHUNK, need - done[index])
            if count > 0:
                fill_chunk(
                    tenant=tenant, people=people, start=done[index], count=count, run_id=run_id
                )
                done[index] += count
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    focus, people = tenants[0]
    with tenant_context(focus):
        total = Milestone.objects.count()
    _token, secret = issue_token(
        actor=None, tenant=focus, user=people["pmo"], name="Bench sync", read_only=True
    )
    return Tenant.objects.get(pk=focus.pk), total, secret


# --- Servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_gunicorn(name: str, app: list[str], env: dict, workers: int, folder: Path) -> Server:
    port = free_port()
    log = folder / f"{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own virtualenv's gunicorn)
            [
                sys.executable,
                "-m",
                "gunicorn",
                *app,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, port, process, log)


def start_servers(args, tenant_id: int, folder: Path) -> tuple[Server, Server]:
    from api.feed import feed_types

    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    app_env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "bpo_transition.settings.production",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "BROKER_DIR": str(folder / "broker"),
        # The throttle (1200/min by default) would refuse wrk's load: it has tests of its own.
        "API_THROTTLE_RATE": "100000000/min",
    }
    if args.conn_max_age is not None:
        app_env["CONN_MAX_AGE"] = args.conn_max_age
    floor_env = {
        **base,
        "FLOOR_DATABASE_URL": args.database_url,
        "FLOOR_TENANT": str(tenant_id),
        "FLOOR_FEED_TYPES": ",".join(
            f"{object_type}={feed_type.resource}" for object_type, feed_type in feed_types().items()
        ),
    }
    app = start_gunicorn("app", ["bpo_transition.wsgi:application"], app_env, args.workers, folder)
    floor = start_gunicorn(
        "floor",
        ["--pythonpath", str(ROOT / "bench"), "floor_app:application"],
        floor_env,
        args.workers,
        folder,
    )
    deadline = time.monotonic() + 90
    for server in (app, floor):
        while True:
            try:
                status, _body = get(server.port, "/healthz" if server is app else "/x", {})
                if status in (200, 404):
                    break
            except OSError:
                pass
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server.name} did not start:\n{server.log.read_text()}")
            time.sleep(0.3)
    return app, floor


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def path_of(link: bytes | None) -> str | None:
    if not link:
        return None
    parts = urlsplit(link.decode())
    return f"{parts.path}?{parts.query}"


# --- The syncs -----------------------------------------------------------------------------------


@dataclass
class Endpoint:
    label: str
    app_path: str
    floor_path: str
    next_link: re.Pattern
    row_marker: bytes  # once in each row of a page
    markers_outside_rows: int  # and this many times in the page's envelope


def endpoints(size: int) -> dict[str, Endpoint]:
    return {
        "list": Endpoint(
            "/api/v1/milestones/",
            f"/api/v1/milestones/?page_size={size}",
            f"/milestones?page_size={size}",
            MILESTONE_NEXT,
            b'"engagement":',
            0,
        ),
        "feed": Endpoint(
            "/api/v1/changes/",
            f"/api/v1/changes/?limit={size}",
            f"/changes?limit={size}",
            FEED_NEXT,
            b'"cursor":',
            1,
        ),
    }


def sync_beside_floor(endpoint: Endpoint, app: Server, floor: Server, secret: str):
    """One full sync through the app and one through the floor app, page by page in turn.
    Returns (app seconds, floor seconds, rows, pages)."""
    headers = {**PROXY, "Authorization": f"Bearer {secret}"}
    app_path, floor_path = endpoint.app_path, endpoint.floor_path
    app_s = floor_s = 0.0
    app_rows = floor_rows = pages = 0
    while app_path or floor_path:
        if app_path:
            started = time.perf_counter()
            status, body = get(app.port, app_path, headers)
            app_s += time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"{app_path} answered {status}: {body[:300]!r}")
            app_rows += body.count(endpoint.row_marker) - endpoint.markers_outside_rows
            pages += 1
            app_path = path_of(endpoint.next_link.search(body).group(1))
        if floor_path:
            started = time.perf_counter()
            status, body = get(floor.port, floor_path, headers)
            floor_s += time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"floor {floor_path} answered {status}: {body[:300]!r}")
            floor_rows += body.count(endpoint.row_marker) - endpoint.markers_outside_rows
            floor_path = path_of(endpoint.next_link.search(body).group(1))
    if app_rows != floor_rows:
        raise RuntimeError(
            f"{endpoint.label}: the app synced {app_rows} rows, the floor {floor_rows}"
        )
    return app_s, floor_s, app_rows, pages


def same_first_page(endpoint: Endpoint, app: Server, floor: Server, secret: str) -> str | None:
    """None when the first page of the app and of the floor carry the same rows and values;
    else what differs. (Feed entries of other types than milestones: the floor shows no
    object, so their objects are left out of the comparison.)"""
    headers = {**PROXY, "Authorization": f"Bearer {secret}"}
    status, body = get(app.port, endpoint.app_path, headers)
    if status != 200:
        return f"the app answered {status}: {body[:300]!r}"
    app_page = json.loads(body)["results"]
    floor_page = json.loads(get(floor.port, endpoint.floor_path, headers)[1])["results"]
    if endpoint.row_marker == b'"cursor":':
        for app_entry, floor_entry in zip(app_page, floor_page, strict=False):
            if app_entry["type"] != "milestone":
                app_entry["object"] = floor_entry["object"] = None
    if app_page != floor_page:
        for app_row, floor_row in zip(app_page, floor_page, strict=False):
            if app_row != floor_row:
                return f"first difference: {app_row} != {floor_row}"
        return f"{len(app_page)} rows against {len(floor_page)}"
    return None


def queries_per_page(endpoint: Endpoint, secret: str, start: str) -> set[int]:
    """SQL statements of pages 2 and 3 from ``start``, in process (the token's last-use
    write, at most once a minute, left out). The feed starts past its 1000th entry: its first
    entries are the playbooks' engagements, phases, gates, ..., one query per type."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    counts, path = set(), start
    for page in range(3):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if page:
            counts.add(sum(not q["sql"].startswith('UPDATE "api_apitoken"') for q in captured))
        path = path_of(endpoint.next_link.search(response.content).group(1))
        if path is None:
            break
    return counts


def middle_of_feed(app: Server, secret: str) -> str:
    """The cursor of the feed's 1000th entry."""
    headers = {**PROXY, "Authorization": f"Bearer {secret}"}
    return json.loads(get(app.port, "/api/v1/changes/?limit=1000", headers)[1])["cursor"]


# --- Load ----------------------------------------------------------------------------------------


def wrk(port: int, path: str, secret: str, seconds: int, connections: int) -> dict:
    result = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "20s",
            "-H",
            f"Authorization: Bearer {secret}",
            "-H",
            "X-Forwarded-Proto: https",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    return parse_wrk(result.stdout)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict:
    if "Latency Distribution" not in output:
        raise RuntimeError(f"wrk printed no latency distribution:\n{output}")
    percentile = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(percentile["50"]),
        "p99_ms": _ms(percentile["99"]),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


# --- Main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.skip_load and shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk), or pass --skip-load")
        return 2
    configure_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    run_id = f"bench-api-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:4]}"
    print(f"API sync benchmark, run {run_id}")
    print(
        f"  PostgreSQL {connection.pg_version // 10000}, python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"
    )
    started = time.perf_counter()
    tenant, total, secret = build(args, run_id)
    from audit.models import Event

    events = Event._base_manager.count()
    print(
        f"  {args.tenants} tenants; the synced one holds {total:,} milestones; "
        f"{events:,} events in all ({time.perf_counter() - started:.0f} s to build)"
    )
    print(
        f"  gunicorn, {args.workers} workers, production settings"
        + (f", CONN_MAX_AGE={args.conn_max_age}" if args.conn_max_age else "")
        + "; the floor app under the same gunicorn and workers"
    )
    print()
    report = Report()
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    app, floor = start_servers(args, tenant.pk, folder)
    try:
        print("Checks")
        for kind, sizes in (("list", args.list_page_sizes), ("feed", args.feed_page_sizes)):
            for size in sizes:
                endpoint = endpoints(size)[kind]
                difference = same_first_page(endpoint, app, floor, secret)
                report.check(
                    f"{endpoint.label} page {size}: the floor's first page is the app's",
                    difference or "same rows, same values",
                    difference is None,
                )
                start = endpoint.app_path
                if kind == "feed":
                    start += f"&after={middle_of_feed(app, secret)}"
                counts = queries_per_page(endpoint, secret, start)
                report.check(
                    f"{endpoint.label} page {size}: SQL statements per page",
                    f"{sorted(counts)}",
                    len(counts) == 1,
                )
        connection.close()
        print()
        print(f"Full sync over HTTP, best of {args.rounds} (app and floor page by page in turn)")
        for kind, sizes, goal in (
            ("list", args.list_page_sizes, LIST_GOAL),
            ("feed", args.feed_page_sizes, FEED_GOAL),
        ):
            for size in sizes:
                endpoint = endpoints(size)[kind]
                runs = [sync_beside_floor(endpoint, app, floor, secret) for _ in range(args.rounds)]
                rows, pages = runs[0][2], runs[0][3]
                app_rate = rows / min(run[0] for run in runs)
                floor_rate = rows / min(run[1] for run in runs)
                report.goal(
                    f"{endpoint.label} full sync, page {size} ({rows:,} rows, {pages} pages)",
                    f"{app_rate:,.0f} rows/s",
                    f"{floor_rate:,.0f} rows/s",
                    f"{app_rate / floor_rate:.2f}x",
                    f">= {goal}x",
                    app_rate >= goal * floor_rate,
                )
        if not args.skip_load:
            print()
            print(
                f"Load: wrk {args.connections} connections for {args.load_seconds} s, "
                f"{args.workers} gunicorn workers each"
            )
            for kind in ("list", "feed"):
                endpoint = endpoints(LOAD_PAGE_SIZE)[kind]
                if kind == "feed":
                    # A consumer in steady state: past the playbooks' entries at the start.
                    after = middle_of_feed(app, secret)
                    endpoint.app_path += f"&after={after}"
                    endpoint.floor_path += f"&after={after}"
                ours = wrk(app.port, endpoint.app_path, secret, args.load_seconds, args.connections)
                base = wrk(
                    floor.port, endpoint.floor_path, secret, args.load_seconds, args.connections
                )
                label = f"{endpoint.label} page {LOAD_PAGE_SIZE} under load"
                report.goal(
                    f"{label}, throughput",
                    f"{ours['per_second']:,.0f} req/s",
                    f"{base['per_second']:,.0f} req/s",
                    f"{ours['per_second'] / base['per_second']:.2f}x",
                    f">= {LOAD_THROUGHPUT_GOAL}x",
                    ours["per_second"] >= LOAD_THROUGHPUT_GOAL * base["per_second"],
                )
                report.goal(
                    f"{label}, p99",
                    f"{ours['p99_ms']:,.0f} ms (p50 {ours['p50_ms']:,.0f})",
                    f"{base['p99_ms']:,.0f} ms (p50 {base['p50_ms']:,.0f})",
                    f"{ours['p99_ms'] / base['p99_ms']:.2f}x",
                    f"<= {LOAD_P99_GOAL}x",
                    ours["p99_ms"] <= LOAD_P99_GOAL * base["p99_ms"],
                )
                report.check(
                    f"{label}, errors",
                    f"{ours['errors']} (floor app {base['errors']})",
                    ours["errors"] == 0,
                )
    finally:
        app.stop()
        floor.stop()
        log = app.log.read_text()
        if "Traceback" in log:
            print(log[-3000:])
            report.failures.append("tracebacks in the app's log")
        shutil.rmtree(folder, ignore_errors=True)
    print()
    print(f"  load average {os.getloadavg()[0]:.1f} at the end")
    print("PASS: every goal met" if not report.failures else f"FAIL: {report.failures}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
