"""Benchmark: creating engagements from the shipped playbooks, and reading them back.

Part A creates one engagement per shipped playbook and checks that the number of SQL
statements is the same for every playbook whatever its milestone count (a fixed number of
bulk inserts). Part B fills a fresh tenant with N engagements, cycling through the playbooks,
then times the tenant-wide reads the home page makes (beside the same statements run on a
bare cursor). Part C times each playbook's instantiation beside a measured floor: the rows it
wrote (every table, ids and foreign keys shifted, fresh public ids) copied by one
``INSERT ... SELECT`` per table in one transaction, taken in turns; goal <= 3x. Every figure
is printed beside its floor; the exit status is 1 when a goal or check fails.

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
import re
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
MAX_COUNT_QUERIES = 1
MAX_HOME_QUERIES = 3  # the actor's membership, the engagements, their current phases
READ_REPEATS = 3
# The measured floor (issue 22): an instantiation against the same rows written by one
# INSERT ... SELECT per table, in the same run. The issue names no ratio for this path; 3x is
# this script's goal (the pages' goal). The reads are reported beside the same statements run
# on a bare cursor, not judged (no goal for them either; their query counts are).
WRITE_GOAL = 3.0
FLOOR_ROUNDS = 5
PROBE_FACTORS = (2, 4)  # synthetic copies of the largest playbook, beyond the shipped range


@dataclass
class Report:
    """Prints each figure beside its floor and remembers whether every floor held."""

    failures: list[str] = field(default_factory=list)

    def goal(
        self, label: str, figure: str, floor: str, ratio: float, goal: float, ok: bool = True
    ) -> None:
        """A figure beside its measured floor: PASS when the ratio is within the goal (and
        ``ok``, what else the line checks)."""
        passed = ok and ratio <= goal
        print(
            f"  {'PASS' if passed else 'FAIL'}  {label}: {figure}; floor {floor}; "
            f"ratio {ratio:.1f}x (goal <= {goal:g}x)"
        )
        if not passed:
            self.failures.append(label)

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
    report.info("mean time per engagement", f"{mean_ms:.1f} ms (judged in part C)")
    mean_queries = statistics.fmean(query_counts)
    report.floor(
        "queries per engagement",
        f"mean {mean_queries:.1f}, max {max(all_counts)}, distinct counts {all_counts}",
        f"constant, <= {MAX_QUERIES_PER_ENGAGEMENT}, independent of milestone count and of N",
        len(all_counts) == 1 and max(all_counts) <= MAX_QUERIES_PER_ENGAGEMENT,
    )
    rate = milestones_stored / total_s
    report.info("milestone rows created per second", f"{rate:.0f} ({milestones_stored} rows)")
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
    count_floor = replayed(count_runs[0][2])
    home_floor = replayed(home_runs[0][2])
    report.floor(
        "Engagement.objects.count()",
        f"{count_ms:.2f} ms, {len(count_queries)} query, = {counted}; its statement on a bare "
        f"cursor {count_floor:.2f} ms, ratio {count_ms / count_floor:.1f}x (reported)",
        f"{MAX_COUNT_QUERIES} query, = {count}",
        len(count_queries) <= MAX_COUNT_QUERIES and counted == count,
    )
    home, _, home_queries = home_runs[0]
    home_ms = min(run[1] for run in home_runs)
    home_query_counts = sorted({len(run[2]) for run in home_runs})
    report.floor(
        "list(engagements_for_home(actor=pmo))",
        f"{home_ms:.1f} ms, {len(home_queries)} queries, {len(home)} rows; its statements on a "
        f"bare cursor {home_floor:.1f} ms, ratio {home_ms / home_floor:.1f}x (reported)",
        f"<= {MAX_HOME_QUERIES} queries whatever N, = {count} rows",
        home_query_counts[-1] <= MAX_HOME_QUERIES and len(home) == count,
    )
    print()


def replayed(queries: list[dict[str, Any]]) -> float:
    """Best ms of the same statements (as the database received them) run on a bare cursor,
    every row fetched: the ORM's work taken away."""
    from django.db import connection

    best = float("inf")
    for _ in range(READ_REPEATS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for query in queries:
                cursor.execute(query["sql"])
                cursor.fetchall()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


# --- Part C: an instantiation beside the same rows written by plain SQL ------------------------


def written_tables(queries: list[dict[str, Any]]) -> list[str]:
    """The tables an instantiation inserted into, in the order it first did."""
    tables: list[str] = []
    for query in queries:
        words = query["sql"].replace('"', "").split()
        is_insert = len(words) > 2 and [w.upper() for w in words[:2]] == ["INSERT", "INTO"]
        if is_insert and words[2] not in tables:
            tables.append(words[2])
    return tables


def max_ids(tables: list[str]) -> dict[str, int]:
    from django.db import connection

    highest = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            highest[table] = cursor.fetchone()[0]
    return highest


def copy_statements(ranges: dict[str, tuple[int, int]]) -> list[str]:
    """One ``INSERT ... SELECT`` per table copying the rows in ``ranges`` (id lo..hi) with ids
    shifted past the table's current maximum, foreign keys into copied rows shifted alike,
    fresh public ids: the same rows, tables, indexes and constraint checks as the service's
    inserts, without the service. ``__offset_<table>__`` is filled in when they run."""
    from django.apps import apps
    from django.db import connection, models

    new_uuid = (
        "gen_random_uuid()" if connection.vendor == "postgresql" else "lower(hex(randomblob(16)))"
    )
    by_table = {model._meta.db_table: model for model in apps.get_models()}
    statements = []
    for table, (lo, hi) in ranges.items():
        model = by_table[table]
        columns, values = [], []
        for concrete in model._meta.concrete_fields:
            column = concrete.column
            columns.append(column)
            if concrete.primary_key:
                values.append(f"{column} + __offset_{table}__")
            elif column == "public_id":
                values.append(new_uuid)
            elif (
                isinstance(concrete, models.ForeignKey)
                and (target := concrete.related_model._meta.db_table) in ranges
            ):
                t_lo, t_hi = ranges[target]
                values.append(
                    f"CASE WHEN {column} BETWEEN {t_lo} AND {t_hi} "
                    f"THEN {column} + __offset_{target}__ ELSE {column} END"
                )
            elif column == "engagement_id" and "engagements_engagement" in ranges:
                e_lo, e_hi = ranges["engagements_engagement"]
                values.append(
                    f"CASE WHEN {column} BETWEEN {e_lo} AND {e_hi} "
                    f"THEN {column} + __offset_engagements_engagement__ ELSE {column} END"
                )
            else:
                values.append(column)
        statements.append(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (model metadata)
            f"SELECT {', '.join(values)} FROM {table} WHERE id BETWEEN {lo} AND {hi} ORDER BY id"
        )
    return statements


def run_copy(statements: list[str], ranges: dict[str, tuple[int, int]]) -> float:
    """The copy in one transaction (sequences moved past the new ids on PostgreSQL); ms."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        offsets = {}
        for table, (lo, _hi) in ranges.items():
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            offsets[f"__offset_{table}__"] = str(cursor.fetchone()[0] + 1 - lo)
        for statement in statements:
            sql = re.sub(r"__offset_\w+?__", lambda m: offsets[m.group(0)], statement)
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for table in ranges:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {table}))"
                )
    return (time.perf_counter() - started) * 1000


def part_c(*, report: Report, run_id: str, pmo, by_side, playbooks) -> None:
    from kernel.tenancy import tenant_context

    print(
        f"Part C: each playbook's instantiation beside its floor, median of {FLOOR_ROUNDS} in turns"
    )
    print(
        "  floor: the rows it wrote, copied by one INSERT ... SELECT per table in one "
        "transaction (same tables, indexes and constraint checks)"
    )
    tenant = make_tenant(run_id=run_id, label="c", pmo=pmo, by_side=by_side)
    number = 0
    with tenant_context(tenant):
        for definition in playbooks.values():
            number += 1
            _, _, queries = timed(
                instantiate,
                pmo=fresh_actor(pmo),
                definition=definition,
                by_side=by_side,
                number=number,
            )
            tables = [t for t in written_tables(queries) if t in max_ids_known(t)]
            service_ms, floor_ms = [], []
            for _round in range(FLOOR_ROUNDS):
                number += 1
                before = max_ids(tables)
                _, ms, _ = timed(
                    instantiate,
                    pmo=fresh_actor(pmo),
                    definition=definition,
                    by_side=by_side,
                    number=number,
                )
                after = max_ids(tables)
                ranges = {t: (before[t] + 1, after[t]) for t in tables if after[t] > before[t]}
                service_ms.append(ms)
                floor_ms.append(run_copy(copy_statements(ranges), ranges))
            service, floor = statistics.median(service_ms), statistics.median(floor_ms)
            rows = sum(hi - lo + 1 for lo, hi in ranges.values())
            report.goal(
                f"instantiating {definition.key} ({definition.milestone_count} milestones, "
                f"{rows} rows in {len(ranges)} tables)",
                f"{service:.1f} ms",
                f"{floor:.1f} ms",
                service / floor,
                WRITE_GOAL,
            )
    print()


def max_ids_known(table: str) -> set[str]:
    """Tables with an integer ``id`` (a counter keyed by tenant has none: left out)."""
    from django.apps import apps

    return {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.pk.column == "id"
        and model._meta.pk.get_internal_type().endswith("AutoField")
    }


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
        part_c(report=report, run_id=run_id, pmo=pmo, by_side=by_side, playbooks=playbooks)
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
