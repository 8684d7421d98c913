"""Benchmark: creating engagements from the shipped playbooks, and reading them back.

Part A creates one engagement per shipped playbook and checks that the number of SQL
statements is the same for every playbook whatever its milestone count (a fixed number of
bulk inserts). Part B fills a fresh tenant with N engagements, cycling through the playbooks,
then times the tenant-wide reads the home page makes. Every figure is printed beside the floor
it must meet; the exit status is 1 when any floor fails.

By default everything happens in a throwaway SQLite file in a temporary folder, deleted at the
end, so the developer's ``db.sqlite3`` is never touched. ``--database-url`` points the run at
another database instead (for PostgreSQL, an empty database that the script migrates).

    .venv/bin/python bench/playbook_instantiation.py --engagements 50
    .venv/bin/python bench/playbook_instantiation.py \\
        --engagements 200 --database-url postgres://postgres@127.0.0.1:5432/bpo_bench
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
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_SIGNED_ON = datetime.date(2026, 1, 5)

# The floors. Times are for the reference machine (2 cores); query counts hold everywhere.
MAX_QUERIES_PER_ENGAGEMENT = 20
MAX_MS_PER_ENGAGEMENT = 250.0
MIN_MILESTONES_PER_SECOND = 150.0  # ~37 milestones in 250 ms
MAX_COUNT_QUERIES = 1
MAX_COUNT_MS = 50.0
MAX_HOME_QUERIES = 3  # the actor's membership, the engagements, their current phases
MAX_HOME_MS_PER_ENGAGEMENT = 1.0
READ_REPEATS = 3
PROBE_FACTORS = (2, 4)  # synthetic copies of the largest playbook, beyond the shipped range


@dataclass
class Report:
    """Prints each figure beside its floor and remembers whether every floor held."""

    failures: list[str] = field(default_factory=list)

    def floor(self, label: str, figure: str, floor: str, ok: bool) -> None:
        verdict = "PASS" if ok else "FAIL"
        print(f"  {verdict}  {label}: {figure}  (floor: {floor})")
        if not ok:
            self.failures.append(label)

    @staticmethod
    def info(label: str, figure: str) -> None:
        print(f"  info  {label}: {figure}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--engagements",
        type=int,
        default=1000,
        metavar="N",
        help="engagements to create in part B (default 1000)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use this database instead of a throwaway SQLite file (it is migrated)",
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="print the statements of each part A instantiation, grouped by table",
    )
    args = parser.parse_args(argv)
    if args.engagements < 1:
        parser.error("--engagements must be at least 1")
    return args


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")
    os.environ["DATABASE_URL"] = database_url

    import django

    django.setup()


def statement_summary(queries: list[dict[str, Any]]) -> str:
    """``INSERT milestones_milestone x1, ...`` in the order the statements first ran."""
    counts: Counter[str] = Counter()
    for query in queries:
        words = query["sql"].replace('"', "").split()
        verb = words[0].upper() if words else "?"
        table = ""
        for marker in ("INTO", "FROM", "UPDATE"):
            if marker in (word.upper() for word in words):
                index = [word.upper() for word in words].index(marker)
                table = words[index + 1] if index + 1 < len(words) else ""
                break
        counts[f"{verb} {table}".strip()] += 1
    return ", ".join(f"{name} x{count}" for name, count in counts.items())


def timed(function, *args: Any, **kwargs: Any) -> tuple[Any, float, list[dict[str, Any]]]:
    """Result, wall time in ms and the SQL statements of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The log is a deque of at most 9000 entries: once full, CaptureQueriesContext miscounts.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = function(*args, **kwargs)
        elapsed_ms = (time.perf_counter() - started) * 1000
    return result, elapsed_ms, list(captured.captured_queries)


def make_people(run_id: str):
    """The PMO actor and one person per side, not yet members of any tenant."""
    from accounts.models import User

    def person(kind: str, first: str) -> User:
        return User.objects.create_user(
            username=f"{run_id}-{kind}",
            password=None,
            first_name=first,
            last_name=f"({run_id})",
            email=f"{kind}@{run_id}.bench.invalid",
        )

    pmo = person("pmo", "Bench PMO")
    by_side = {
        "client": person("client", "Client lead"),
        "provider": person("provider", "Provider lead"),
        "pmo": person("pmo-side", "PMO lead"),
    }
    return pmo, by_side


def make_tenant(*, run_id: str, label: str, pmo, by_side):
    from accounts.models import Membership, Tenant

    tenant = Tenant.objects.create(
        name=f"Bench {label} {run_id}", slug=f"{run_id}-{label}"[:80].lower()
    )
    Membership.objects.create(user=pmo, tenant=tenant, role=Membership.Role.PMO)
    for user in by_side.values():
        Membership.objects.create(user=user, tenant=tenant, role=Membership.Role.MEMBER)
    return tenant


def fresh_actor(user):
    """The user as a request sees it: loaded from the database, no membership cached yet.

    A user object kept across instantiations would carry the membership that the first one
    looked up, so that only the first instantiation in a tenant would pay for it.
    """
    from accounts.models import User

    return User.objects.get(pk=user.pk)


def instantiate(*, pmo, definition, by_side, number: int):
    from kernel.tenancy import get_active_tenant
    from transition.services import create_engagement_from_playbook

    owners = {role.key: by_side[role.side] for role in definition.roles}
    return create_engagement_from_playbook(
        actor=pmo,
        tenant=get_active_tenant(),
        playbook=definition,
        name=f"Bench {number:05d} {definition.key}",
        client_name=f"Client {number % 17}",
        provider_name=f"Provider {number % 5}",
        contract_signed_on=CONTRACT_SIGNED_ON,
        owners=owners,
    )


def part_a(*, report: Report, run_id: str, pmo, by_side, playbooks, show_queries: bool) -> None:
    from kernel.tenancy import tenant_context
    from milestones.models import Milestone

    print("Part A: one engagement per shipped playbook")
    tenant = make_tenant(run_id=run_id, label="a", pmo=pmo, by_side=by_side)
    rows = []
    with tenant_context(tenant):
        for number, definition in enumerate(playbooks.values(), start=1):
            actor = fresh_actor(pmo)
            engagement, ms, queries = timed(
                instantiate, pmo=actor, definition=definition, by_side=by_side, number=number
            )
            created = Milestone.objects.filter(engagement=engagement).count()
            rows.append((definition, created, len(queries), ms, queries))

    width = max(len(key) for key in playbooks)
    print(f"  {'playbook':<{width}}  milestones  queries        ms")
    for definition, created, query_count, ms, _ in rows:
        print(f"  {definition.key:<{width}}  {created:>10}  {query_count:>7}  {ms:>8.1f}")
    print()

    for definition, created, _, _, _ in rows:
        report.floor(
            f"milestones created for {definition.key}",
            str(created),
            f"== playbook's milestone count, {definition.milestone_count}",
            created == definition.milestone_count,
        )
    counts = {definition.key: query_count for definition, _, query_count, _, _ in rows}
    milestones = {definition.key: created for definition, created, _, _, _ in rows}
    distinct = sorted(set(counts.values()))
    comparison = ", ".join(
        f"{key}: {milestones[key]} milestones -> {counts[key]}" for key in counts
    )
    report.floor(
        "queries per instantiation across playbooks",
        f"{'/'.join(map(str, distinct))} ({comparison})",
        "one and the same count for every playbook, whatever its milestone count",
        len(distinct) == 1,
    )
    report.floor(
        "queries per instantiation",
        str(max(counts.values())),
        f"<= {MAX_QUERIES_PER_ENGAGEMENT}",
        max(counts.values()) <= MAX_QUERIES_PER_ENGAGEMENT,
    )
    slowest = max(rows, key=lambda row: row[3])
    report.floor(
        "slowest single instantiation (cold)",
        f"{slowest[3]:.1f} ms ({slowest[0].key})",
        f"<= {MAX_MS_PER_ENGAGEMENT:.0f} ms, 2 cores",
        slowest[3] <= MAX_MS_PER_ENGAGEMENT,
    )
    if show_queries or len(distinct) != 1:
        print("  statements per playbook:")
        for definition, _, _, _, queries in rows:
            print(f"    {definition.key}: {statement_summary(queries)}")

    # The shipped playbooks span only a few milestones; a tenant's own playbook may be larger.
    largest = max(playbooks.values(), key=lambda definition: definition.milestone_count)
    probes = [(largest.milestone_count, counts[largest.key], None)]
    with tenant_context(tenant):
        for factor in PROBE_FACTORS:
            definition = scaled(largest, factor)
            actor = fresh_actor(pmo)
            _, _, queries = timed(
                instantiate, pmo=actor, definition=definition, by_side=by_side, number=factor
            )
            probes.append((definition.milestone_count, len(queries), queries))
    Report.info(
        f"probe, {largest.key} scaled x{'/x'.join(map(str, PROBE_FACTORS))} (not a floor)",
        ", ".join(f"{milestones} milestones -> {n} queries" for milestones, n, _ in probes),
    )
    if len({n for _, n, _ in probes}) != 1:
        if vendor() == "SQLite":
            print("        (SQLite splits a bulk insert at 999 bound parameters per statement)")
        for milestones, _, queries in probes[1:]:
            print(f"        {milestones} milestones: {statement_summary(queries)}")
    print()


def scaled(definition, factor: int):
    """The playbook with every milestone repeated ``factor`` times (dependencies kept apart)."""

    def copy(milestone, n: int):
        return replace(
            milestone,
            key=f"{milestone.key}~{n}",
            depends_on=tuple(f"{key}~{n}" for key in milestone.depends_on),
        )

    phases = tuple(
        replace(
            phase, milestones=tuple(copy(m, n) for n in range(factor) for m in phase.milestones)
        )
        for phase in definition.phases
    )
    return replace(definition, key=f"{definition.key}-x{factor}", phases=phases)


def part_b(*, report: Report, run_id: str, pmo, by_side, playbooks, count: int) -> None:
    from engagements.models import Engagement
    from kernel.tenancy import tenant_context
    from milestones.models import Milestone
    from transition.portfolio import engagements_for_home

    print(f"Part B: a tenant of {count} engagements, cycling through the playbooks")
    tenant = make_tenant(run_id=run_id, label="b", pmo=pmo, by_side=by_side)
    definitions = list(playbooks.values())
    times: list[float] = []
    query_counts: list[int] = []
    milestones_planned = 0
    with tenant_context(tenant):
        started = time.perf_counter()
        for number in range(count):
            definition = definitions[number % len(definitions)]
            actor = fresh_actor(pmo)
            _, ms, queries = timed(
                instantiate, pmo=actor, definition=definition, by_side=by_side, number=number
            )
            times.append(ms)
            query_counts.append(len(queries))
            milestones_planned += definition.milestone_count
        total_s = time.perf_counter() - started
        milestones_stored = Milestone.objects.count()

    all_counts = sorted(set(query_counts))
    mean_ms = statistics.fmean(times)
    report.info("total time", f"{total_s:.2f} s for {count} engagements")
    report.info(
        "time per engagement",
        f"median {statistics.median(times):.1f} ms, "
        f"p95 {sorted(times)[int(0.95 * (len(times) - 1))]:.1f} ms, max {max(times):.1f} ms",
    )
    report.floor(
        "mean time per engagement",
        f"{mean_ms:.1f} ms",
        f"<= {MAX_MS_PER_ENGAGEMENT:.0f} ms on {vendor()}, 2 cores",
        mean_ms <= MAX_MS_PER_ENGAGEMENT,
    )
    mean_queries = statistics.fmean(query_counts)
    report.floor(
        "queries per engagement",
        f"mean {mean_queries:.1f}, max {max(all_counts)}, distinct counts {all_counts}",
        f"constant, <= {MAX_QUERIES_PER_ENGAGEMENT}, independent of milestone count and of N",
        len(all_counts) == 1 and max(all_counts) <= MAX_QUERIES_PER_ENGAGEMENT,
    )
    rate = milestones_stored / total_s
    report.floor(
        "milestone rows created per second",
        f"{rate:.0f} ({milestones_stored} rows)",
        f">= {MIN_MILESTONES_PER_SECOND:.0f}/s",
        rate >= MIN_MILESTONES_PER_SECOND,
    )
    report.floor(
        "milestone rows stored in the tenant",
        str(milestones_stored),
        f"== sum of the playbooks' milestone counts, {milestones_planned}",
        milestones_stored == milestones_planned,
    )

    print(f"  reads inside tenant_context (best of {READ_REPEATS}, a fresh actor each time):")
    with tenant_context(tenant):
        count_runs = [timed(Engagement.objects.count) for _ in range(READ_REPEATS)]
        home_runs = []
        for _ in range(READ_REPEATS):
            actor = fresh_actor(pmo)
            home_runs.append(timed(lambda actor=actor: list(engagements_for_home(actor=actor))))

    counted, _, count_queries = count_runs[0]
    count_ms = min(run[1] for run in count_runs)
    report.floor(
        "Engagement.objects.count()",
        f"{count_ms:.2f} ms, {len(count_queries)} query, = {counted}",
        f"<= {MAX_COUNT_MS:.0f} ms, {MAX_COUNT_QUERIES} query, = {count}",
        count_ms <= MAX_COUNT_MS and len(count_queries) <= MAX_COUNT_QUERIES and counted == count,
    )
    home, _, home_queries = home_runs[0]
    home_ms = min(run[1] for run in home_runs)
    home_floor_ms = MAX_HOME_MS_PER_ENGAGEMENT * count
    home_query_counts = sorted({len(run[2]) for run in home_runs})
    report.floor(
        "list(engagements_for_home(actor=pmo))",
        f"{home_ms:.1f} ms, {len(home_queries)} queries, {len(home)} rows",
        f"<= {home_floor_ms:.0f} ms ({MAX_HOME_MS_PER_ENGAGEMENT:g} ms per engagement), "
        f"<= {MAX_HOME_QUERIES} queries whatever N, = {count} rows",
        home_ms <= home_floor_ms
        and home_query_counts[-1] <= MAX_HOME_QUERIES
        and len(home) == count,
    )
    print()


def vendor() -> str:
    from django.db import connection

    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        connection.vendor, connection.vendor
    )


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} at {connection.settings_dict['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    settings = connection.settings_dict
    return f"{version} at {settings['HOST'] or 'local socket'}/{settings['NAME']}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = None
    if args.database_url:
        database_url = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp(prefix="bpo-bench-"))
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    try:
        configure_django(database_url)
        from django.core.management import call_command
        from django.db import connection

        from engagements.playbooks import builtin_playbooks

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - started

        run_id = f"bench-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        playbooks = dict(sorted(builtin_playbooks().items()))
        print(f"Playbook instantiation benchmark, run {run_id}")
        print(f"  database: {describe_database()} (migrated in {migrate_s:.1f} s)")
        print(
            f"  python {platform.python_version()}, {os.cpu_count()} cores, "
            f"settings {os.environ['DJANGO_SETTINGS_MODULE']}"
        )
        print(
            "  playbooks: "
            + ", ".join(f"{key} ({d.milestone_count} milestones)" for key, d in playbooks.items())
        )
        print()

        report = Report()
        pmo, by_side = make_people(run_id)
        part_a(
            report=report,
            run_id=run_id,
            pmo=pmo,
            by_side=by_side,
            playbooks=playbooks,
            show_queries=args.show_queries,
        )
        part_b(
            report=report,
            run_id=run_id,
            pmo=pmo,
            by_side=by_side,
            playbooks=playbooks,
            count=args.engagements,
        )
        if report.failures:
            print(f"FAIL: {len(report.failures)} floor(s) not met: {'; '.join(report.failures)}")
        else:
            print("PASS: every floor met")
        connection.close()
        return 1 if report.failures else 0
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
