"""Benchmark: the roster page (the readiness heat map) over HTTP, beside a floor app.

As a user reaches it: gunicorn serving ``bpo_transition.wsgi`` with the production settings
(random ``SECRET_KEY``, collected static files, requests saying ``X-Forwarded-Proto: https``
as the TLS proxy does) on a loopback port, signed in as the engagement's PMO. Beside it, under
the same gunicorn with the same workers, the floor app (``bench/roster_floor_app.py``): the
requirements, then ONE query for every person with their results and access steps aggregated
(the same rows, in the page's order), each cell worked out, and the heat map's rows rendered
by a Django template with the page's markup; nothing else (no session, tenant, middleware or
ORM).

Data (the issue's size): an engagement of 2,000 people, one role with a custom set of
requirements of 6 modules + 1 certification + 10 client systems, in 5 waves; every person
has results (failed attempts then passes, some modules not yet taken) and access steps at
every status (some systems not requested yet), all written in bulk. Two neighbour tenants
hold rosters of their own (500 people each) in the same tables.

Measured: median page time over ``--requests`` requests after a warm-up, page and floor taken
in turns, one request at a time. Goal (issue 18): page <= 3x the floor. The page's queries are
counted in process (constant whatever the roster's size: pinned by a test at 5 and 50
people). Exit 1 on a miss.

    .venv/bin/python bench/roster_page.py                       # SQLite, throwaway file
    psql -h 127.0.0.1 -U postgres -c 'create database bpo_bench_roster'
    .venv/bin/python bench/roster_page.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_roster
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_bench_roster'
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Collected (and compressed) static files, kept between runs: collecting takes minutes.
STATIC_CACHE = ROOT / "var" / "bench-static"
GOAL_RATIO = 3.0
WARM_UP = 3
MODULES = 6
SYSTEMS = 10


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--waves", type=int, default=5)
    parser.add_argument("--neighbours", type=int, default=2, help="other tenants (2)")
    parser.add_argument("--neighbour-people", type=int, default=500)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--database-url", metavar="URL", help="default: a throwaway SQLite file")
    return parser.parse_args(argv)


def note(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def configure_django(database_url: str, secret: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bpo_transition.settings.test"
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    # The gunicorn app below checks the session's hash with the same key.
    os.environ["SECRET_KEY"] = secret
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


# --- Data ---------------------------------------------------------------------------------


def build_tenant(*, run_id: str, index: int, people: int, waves: int):
    """A tenant with one engagement whose roster has ``people`` agents in ``waves`` waves."""
    from accounts.models import Membership, Tenant, User
    from engagements.playbooks import get_builtin
    from kernel.tenancy import tenant_context
    from roster.models import AccessBatch, AccessStep, Person, Requirement, Result, Wave
    from transition.services import create_engagement_from_playbook

    slug = f"{run_id}-{index}"
    tenant = Tenant.objects.create(name=f"Bench roster {slug}", slug=slug)
    users = {
        side: User.objects.create_user(
            username=f"{slug}-{side}", password=None, first_name=side.title(), last_name="Lead"
        )
        for side in ("pmo", "client", "provider")
    }
    Membership.objects.create(user=users["pmo"], tenant=tenant, role=Membership.Role.PMO)
    for side in ("client", "provider"):
        Membership.objects.create(user=users[side], tenant=tenant, role=Membership.Role.MEMBER)
    playbook = get_builtin("contact-centre-90-day")
    today = datetime.date.today()
    with tenant_context(tenant):
        engagement = create_engagement_from_playbook(
            actor=users["pmo"],
            tenant=tenant,
            playbook=playbook,
            name=f"Roster desk {index}",
            client_name="Client",
            provider_name="Provider",
            contract_signed_on=today - datetime.timedelta(days=40),
            owners={role.key: users[role.side] for role in playbook.roles},
        )
        # The size: one role with 6 modules, a certification and 10 systems.
        Requirement.objects.filter(engagement=engagement).delete()
        requirements = Requirement.objects.bulk_create(
            [
                Requirement(
                    tenant=tenant,
                    engagement=engagement,
                    role="agent",
                    kind=kind,
                    key=key,
                    name=name,
                    position=position,
                    pass_mark=80 if kind == "certification" else None,
                )
                for position, (kind, key, name) in enumerate(
                    [("module", f"module-{n}", f"Training module {n}") for n in range(MODULES)]
                    + [("certification", "certification", "Agent certification")]
                    + [("system", f"system-{n}", f"Client system {n}") for n in range(SYSTEMS)],
                    start=1,
                )
            ]
        )
        modules = [r for r in requirements if r.kind != "system"]
        systems = [r for r in requirements if r.kind == "system"]
        wave_rows = Wave.objects.bulk_create(
            [
                Wave(
                    tenant=tenant,
                    engagement=engagement,
                    number=number,
                    start_date=today + datetime.timedelta(days=14 * (number - 2)),
                )
                for number in range(1, waves + 1)
            ]
        )
        person_rows = Person.objects.bulk_create(
            [
                Person(
                    tenant=tenant,
                    engagement=engagement,
                    wave=wave_rows[number % waves],
                    external_id=f"HR-{number:05d}",
                    name=f"Agent {number:05d} Realistic-Surname",
                    email=f"agent.{number:05d}@provider.example",
                    role="agent",
                    site=("Lisbon", "Porto", "Braga")[number % 3],
                    start_date=wave_rows[number % waves].start_date,
                    status=("planned", "in_training", "certified", "live")[number % 4],
                )
                for number in range(people)
            ],
            batch_size=500,
        )
        results, steps = [], []
        now = datetime.datetime.now(datetime.UTC)
        batch = AccessBatch.objects.create(
            tenant=tenant,
            engagement=engagement,
            label="Bench access",
            requested_by=users["provider"],
            requested_at=now,
        )
        statuses = ("requested", "approved", "provisioned", "verified", "verified", "refused")
        for number, person in enumerate(person_rows):
            for position, requirement in enumerate(modules):
                if (number + position) % 9 == 0:
                    continue  # not taken yet
                attempt = 1
                if (number + position) % 5 == 0:  # a failed attempt kept, then a re-take
                    results.append(
                        Result(
                            tenant=tenant,
                            person=person,
                            requirement=requirement,
                            attempt=1,
                            passed=False,
                            taken_on=today - datetime.timedelta(days=5),
                            score=55,
                        )
                    )
                    attempt = 2
                results.append(
                    Result(
                        tenant=tenant,
                        person=person,
                        requirement=requirement,
                        attempt=attempt,
                        passed=(number + position) % 7 != 0,
                        taken_on=today - datetime.timedelta(days=2),
                        score=88,
                        assessor=users["provider"],
                    )
                )
            for position, system in enumerate(systems):
                if (number + position) % 11 == 0:
                    continue  # not requested yet
                status = statuses[(number + position) % len(statuses)]
                steps.append(
                    AccessStep(
                        tenant=tenant,
                        person=person,
                        system=system,
                        batch=batch,
                        status=status,
                        requested_at=now,
                        requested_by=users["provider"],
                        waiting_since=now,
                    )
                )
        Result.objects.bulk_create(results, batch_size=1000)
        AccessStep.objects.bulk_create(steps, batch_size=1000)
    return tenant, users, engagement, len(results), len(steps)


# --- Servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Server:
    def __init__(self, name: str, app: list[str], env: dict, workers: int, folder: Path):
        self.port = free_port()
        self.log = folder / f"{name}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 (our own virtualenv's gunicorn)
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    *app,
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--timeout",
                    "300",
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                get(self.port, path, {"X-Forwarded-Proto": "https"})
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"the server did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def production_env(database_url: str, folder: Path, secret: str) -> dict:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "bpo_transition.settings.production",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(STATIC_CACHE),
        "MEDIA_ROOT": str(folder / "media"),
        "BROKER_DIR": str(folder / "broker"),
    }


def static_collected() -> bool:
    """The cache holds a manifest newer than every static file of the project."""
    manifest = STATIC_CACHE / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max(path.stat().st_mtime for path in (ROOT / "static").rglob("*") if path.is_file())
    return manifest.stat().st_mtime > newest


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
    scratch = Path(tempfile.mkdtemp(prefix="bpo-bench-roster-"))
    database_url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    servers: list[Server] = []
    try:
        secret = secrets.token_urlsafe(64)
        configure_django(database_url, secret)
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        note("migrated")
        run_id = f"r{datetime.datetime.now():%m%d%H%M%S}{uuid.uuid4().hex[:4]}"
        started = time.perf_counter()
        tenant, users, engagement, results, steps = build_tenant(
            run_id=run_id, index=0, people=args.people, waves=args.waves
        )
        for index in range(1, args.neighbours + 1):
            build_tenant(run_id=run_id, index=index, people=args.neighbour_people, waves=2)
        built = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        client = Client()
        client.force_login(users["pmo"])
        url = f"/engagements/{engagement.public_id}/roster/"
        with CaptureQueriesContext(connection) as captured:
            in_process = client.get(url)
        assert in_process.status_code == 200, in_process.status_code
        queries = len(captured.captured_queries)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        connection.close()

        env = production_env(database_url, scratch, secret)
        note("data built; collecting static files")
        if not static_collected():
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        app = Server("app", ["bpo_transition.wsgi:application"], env, args.workers, scratch)
        servers.append(app)
        floor_env = {
            **env,
            "FLOOR_DATABASE_URL": database_url,
            "FLOOR_TENANT": str(tenant.pk),
            "FLOOR_ENGAGEMENT": str(engagement.pk),
        }
        floor = Server(
            "floor",
            ["--pythonpath", str(ROOT / "bench"), "roster_floor_app:application"],
            floor_env,
            args.workers,
            scratch,
        )
        servers.append(floor)
        note("static files collected; starting gunicorn")
        app.wait("/healthz")
        floor.wait("/x")
        note("servers up")

        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Cookie": cookie}

        def page() -> bytes:
            status, body = get(app.port, url, headers)
            if status != 200:
                raise SystemExit(f"the roster page answered {status}:\n{body[:500]!r}")
            return body

        def floor_page() -> bytes:
            status, body = get(floor.port, "/roster", {})
            if status != 200:
                raise SystemExit(f"the floor answered {status}:\n{body[:500]!r}")
            return body

        page_body, floor_body = page(), floor_page()
        cell = b'<td class="rc rc-'
        cells, floor_cells = page_body.count(cell), floor_body.count(cell)
        if not cells == floor_cells == args.people * (MODULES + 1 + SYSTEMS):
            raise SystemExit(
                f"page and floor differ: {cells} cells on the page, {floor_cells} on the "
                f"floor, {args.people * (MODULES + 1 + SYSTEMS)} expected"
            )
        for _ in range(WARM_UP):
            page()
            floor_page()
        page_times, floor_times = [], []
        for _ in range(args.requests):
            for function, times in ((page, page_times), (floor_page, floor_times)):
                began = time.perf_counter()
                function()
                times.append((time.perf_counter() - began) * 1000)
        figure, base = statistics.median(page_times), statistics.median(floor_times)
        ratio = figure / base
        verdict = "PASS" if ratio <= GOAL_RATIO else "MISS"

        print(f"Roster page benchmark, run {run_id}")
        print(
            f"  {describe_database()}, python {platform.python_version()}, {os.cpu_count()} "
            f"cores, gunicorn {args.workers} sync workers, production settings; "
            f"data built in {built:.1f} s"
        )
        print(
            f"  {args.people} people x ({MODULES} modules + 1 certification + {SYSTEMS} "
            f"systems) in {args.waves} waves: {results} results, {steps} access steps; "
            f"{args.neighbours} neighbour tenants of {args.neighbour_people} people"
        )
        print(
            f"  median of {args.requests} requests after {WARM_UP} warm-up ones, over HTTP, "
            "page and floor in turns, one at a time"
        )
        print()
        print(
            f"  roster page: {figure:.0f} ms ({queries} queries, {len(page_body) / 1024:.0f} KiB)"
        )
        print(f"  floor:       {base:.0f} ms (2 queries, {len(floor_body) / 1024:.0f} KiB)")
        print(f"  ratio:       {ratio:.2f}x   goal <= {GOAL_RATIO:g}x   {verdict}")
        return 0 if verdict == "PASS" else 1
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
