"""Benchmark: one full reminder scan over a million milestones, against its floor.

Builds (set-based, INSERT ... SELECT generate_series) N milestones across T tenants on
PostgreSQL, then for each size of due rows asked for: opens that many past milestones
(overdue), and times

Everything runs serially (``SET max_parallel_workers_per_gather = 0`` on the one session
that runs both the floors and the scans): a parallel plan made the old floor swing from 7 to
89 ms with the machine's load. Goals (issue 22), each printed beside its floor and ratio; the
exit status is 1 when one misses:

- **first scan** at 14:00 UTC (08:00 has passed in every zone the people live in), as beat
  runs it (records every reminder, claims them and publishes one delivery task per tenant
  batch, memory broker) <= 2x its floor: the same ledger rows written by one
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` from a copy of what the scan
  recorded (same table, indexes and foreign-key checks, committed);
- **full repeat** 15 minutes later, after delivery (every occasion statement, every tenant;
  nothing new to record, checked; what ``manage.py send_reminders`` does) <= 3x its floor:
  one serial count of the due rows of every occasion through their indexes (RAID items and
  open drift alerts included).

Reported beside them, not judged: beat's incremental repeat with nothing changed, and after a
change in one tenant (its feed counter moved: that tenant's statements run over every zone).

    createdb -h 127.0.0.1 -U postgres bpo_bench_reminders
    .venv/bin/python bench/reminder_scan.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_reminders
"""

# The data-building SQL is assembled from this script's own constants and numbers.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_SCAN_GOAL = 2.0  # x the ledger insert of the same rows
FULL_REPEAT_GOAL = 3.0  # x a serial count of the due rows
LEDGER_CLEARED = "TRUNCATE notifications_reminder, notifications_notification, notifications_digest"
SCAN_DAY = datetime.date(2026, 6, 15)
SCAN_AT = datetime.datetime(2026, 6, 15, 14, 0, tzinfo=datetime.UTC)
# Where the tenants are (people follow their tenant's zone); at 14:00 UTC all are past 08:00.
ZONES = ["UTC", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]
ZONES += ["America/Sao_Paulo", "Asia/Tokyo"]
SEATS = [  # side, role of each tenant person's seat on every engagement of the tenant
    ("client", "lead"),
    ("client", "member"),
    ("provider", "lead"),
    ("provider", "member"),
    ("pmo", "lead"),
]
OPEN = "('not_started', 'in_progress', 'blocked')"
RAID_OPEN = "('open', 'in_progress', 'proposed')"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--milestones", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--engagements-per-tenant", type=int, default=10)
    parser.add_argument(
        "--overdue",
        default="2000,20000",
        help="comma-separated numbers of overdue milestones to measure at (default 2000,20000)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timings")
    return parser.parse_args(argv)


def configure_django(database_url: str) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def serial() -> None:
    """No parallel plans on this session, for the floors and the scans alike."""
    execute("SET max_parallel_workers_per_gather = 0")
    assert scalar("SHOW max_parallel_workers_per_gather") == "0"


def execute(sql: str, params: list | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql: str, params: list | None = None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def build(args: argparse.Namespace) -> None:
    """Every row set-based: tenants, people, seats, engagements, a phase and gate each,
    a review and a KPI result each, and the milestones."""
    tenants, per_tenant = args.tenants, args.engagements_per_tenant
    engagements = tenants * per_tenant
    per_engagement = args.milestones // engagements
    people = len(SEATS)
    zones = "ARRAY[" + ", ".join(f"'{zone}'" for zone in ZONES) + "]"
    day = f"DATE '{SCAN_DAY.isoformat()}'"
    steps = [
        (
            "tenants",
            "INSERT INTO accounts_tenant (id, public_id, name, slug, time_zone, created_at, "
            f"separation_of_duties) SELECT t, gen_random_uuid(), 'Tenant ' || t, 'bench-' || t, "
            f"({zones})[1 + t % {len(ZONES)}], now(), true FROM generate_series(1, {tenants}) t",
        ),
        (
            "people",
            "INSERT INTO accounts_user (id, password, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined, public_id, time_zone) "
            "SELECT u, '!', false, 'bench-' || u, 'Person', u::text, "
            "'p' || u || '@bench.invalid', false, true, now(), gen_random_uuid(), '' "
            f"FROM generate_series(1, {tenants * people}) u",
        ),
        (
            "memberships",
            "INSERT INTO accounts_membership (public_id, user_id, tenant_id, role, created_at) "
            f"SELECT gen_random_uuid(), u, 1 + (u - 1) / {people}, "
            f"CASE WHEN (u - 1) % {people} = {people - 1} THEN 'pmo' ELSE 'member' END, now() "
            f"FROM generate_series(1, {tenants * people}) u",
        ),
        (
            "engagements",
            "INSERT INTO engagements_engagement (id, tenant_id, public_id, name, client_name, "
            "provider_name, scope, contract_signed_on, target_go_live, time_zone, status, "
            "review_anchor, playbook_key, created_at, updated_at) "
            f"SELECT e, 1 + (e - 1) / {per_tenant}, gen_random_uuid(), 'Engagement ' || e, "
            f"'Client', 'Provider', '', {day} - 100, {day} + 100, 'UTC', 'in_transition', "
            f"'contract_signature', '', now(), now() FROM generate_series(1, {engagements}) e",
        ),
        (
            "seats",
            "INSERT INTO engagements_engagementmember (tenant_id, public_id, engagement_id, "
            "user_id, side, role) "
            f"SELECT 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, "
            f"((e - 1) / {per_tenant}) * {people} + k + 1, "
            f"(ARRAY{[side for side, _ in SEATS]})[k + 1], "
            f"(ARRAY{[role for _, role in SEATS]})[k + 1] "
            f"FROM generate_series(1, {engagements}) e, generate_series(0, {people - 1}) k",
        ),
        (
            "phases (1 in 100 ends in 2 days)",
            "INSERT INTO engagements_phase (id, tenant_id, public_id, engagement_id, kind, "
            "position, planned_start, planned_end, status) "
            f"SELECT e, 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, 'transition', 2, "
            f"{day} - 30, CASE WHEN e % 100 = 0 THEN {day} + 2 ELSE {day} + 30 + e % 60 END, "
            f"'active' FROM generate_series(1, {engagements}) e",
        ),
        (
            "gates (1 in 100 waiting 2 days for PMO)",
            "INSERT INTO governance_gate (id, tenant_id, public_id, engagement_id, phase_id, "
            "name, client_attestation_required, provider_attestation_required, status, "
            "requested_at) "
            f"SELECT e, 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, e, 'Gate ' || e, "
            f"false, false, CASE WHEN e % 100 = 1 THEN 'requested' ELSE 'open' END, "
            f"CASE WHEN e % 100 = 1 THEN TIMESTAMPTZ '{SCAN_AT.isoformat()}' - interval '2 days' "
            f"END FROM generate_series(1, {engagements}) e",
        ),
        (
            "criteria",
            "INSERT INTO governance_gatecriterion (tenant_id, public_id, gate_id, position, "
            "text, required, state, justification) "
            f"SELECT 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, 1, 'Signed off', true, "
            f"'not_met', '' FROM generate_series(1, {engagements}) e",
        ),
        (
            "KPIs",
            "INSERT INTO reporting_kpi (id, tenant_id, public_id, engagement_id, key, name, "
            "unit, target, direction) "
            f"SELECT e, 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, 'aht', 'AHT', 's', "
            f"300, 'lower' FROM generate_series(1, {engagements}) e",
        ),
        (
            "reviews (1 in 100 in 3 days, 1 in 100 five days ago)",
            "INSERT INTO reporting_review (id, tenant_id, public_id, engagement_id, day, title, "
            "focus, scheduled_on, window_days, status, target_standing, misses_understood, "
            "lessons_learned, next_period_changes, publish_reason, published_early, "
            "report_failure) "
            f"SELECT e, 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, 30, 'Day-30 review', "
            f"'', CASE e % 100 WHEN 2 THEN {day} + 3 WHEN 3 THEN {day} - 5 "
            f"ELSE {day} + 40 + e % 50 END, 14, 'scheduled', '', '', '', '', '', false, '' "
            f"FROM generate_series(1, {engagements}) e",
        ),
        (
            "corrective actions (due dates over a year)",
            "INSERT INTO reporting_reviewkpiresult (tenant_id, public_id, review_id, kpi_id, "
            "target, met, outcome, root_cause, corrective_action, action_owner_id, action_due) "
            f"SELECT 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, e, 300, false, 'missed', "
            f"'Gap', 'Fix it', ((e - 1) / {per_tenant}) * {people} + 4, "
            f"{day} - 180 + (e * 7919) % 365 "
            f"FROM generate_series(1, {engagements}) e",
        ),
        (
            "RAID items (5 per engagement, due over a year; 1 in 5 still open)",
            "INSERT INTO registers_raiditem (tenant_id, public_id, engagement_id, kind, title, "
            "description, owner_id, due_date, status, probability, impact, response, handling, "
            "decision_rule, version, created_at, updated_at) "
            f"SELECT 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, 'action', "
            f"'Action ' || e || '.' || k, '', ((e - 1) / {per_tenant}) * {people} + k + 1, "
            f"{day} - 180 + ((e * 5 + k) * 7919) % 365, "
            "CASE WHEN (e + k) % 5 = 0 THEN 'open' ELSE 'closed' END, NULL, NULL, '', '', '', "
            f"1, now(), now() FROM generate_series(1, {engagements}) e, generate_series(0, 4) k",
        ),
        (
            "drift alerts (1 in 100 KPIs drifting, an episode open)",
            "INSERT INTO reporting_driftalert (tenant_id, public_id, kpi_id, kind, started_week, "
            "ended_week, opened_at) "
            f"SELECT 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, 'below_target', "
            f"{day} - 14, NULL, now() FROM generate_series(1, {engagements}) e "
            "WHERE e % 100 = 4",
        ),
        (
            f"milestones ({per_engagement} per engagement, due over two years)",
            "INSERT INTO milestones_milestone (id, tenant_id, public_id, engagement_id, "
            "phase_id, title, description, owner_id, side, due_date, status, evidence, "
            "evidence_link, evidence_required, playbook_key, version, created_at, updated_at) "
            f"SELECT m, 1 + (e - 1) / {per_tenant}, gen_random_uuid(), e, e, 'Milestone ' || m, "
            f"'', ((e - 1) / {per_tenant}) * {people} + (m % {people}) + 1, "
            f"(ARRAY['client', 'client', 'provider', 'provider', 'joint'])[(m % {people}) + 1], "
            f"{day} - 365 + ((m::bigint * 7919) % 730)::int, "
            f"CASE WHEN {day} - 365 + ((m::bigint * 7919) % 730)::int < {day} THEN 'done' "
            "ELSE 'not_started' END, '', '', false, '', 1, now(), now() "
            f"FROM (SELECT m, 1 + (m - 1) / {per_engagement} AS e "
            f"FROM generate_series(1, {engagements * per_engagement}) m) AS numbered",
        ),
    ]
    for label, sql in steps:
        started = time.perf_counter()
        execute(sql)
        print(f"  built {label} in {time.perf_counter() - started:.1f} s")
    for table in (
        "accounts_tenant",
        "accounts_user",
        "engagements_engagement",
        "engagements_phase",
        "governance_gate",
        "reporting_kpi",
        "reporting_review",
        "milestones_milestone",
    ):
        execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    execute("VACUUM ANALYZE")


def open_overdue(count: int) -> None:
    """Exactly ``count`` past milestones open again (the rest stay done)."""
    execute("UPDATE milestones_milestone SET status = 'done' WHERE status = 'in_progress'")
    execute(
        "UPDATE milestones_milestone SET status = 'in_progress' WHERE id IN ("
        "SELECT id FROM milestones_milestone WHERE due_date < %s "
        "ORDER BY (id * 104729) %% 1000003 LIMIT %s)",
        [SCAN_DAY, count],
    )
    execute("TRUNCATE notifications_reminder, notifications_notification, notifications_digest")
    execute("VACUUM ANALYZE milestones_milestone")
    execute("VACUUM ANALYZE notifications_reminder")


def floor_sql() -> tuple[str, list]:
    """One statement counting the due objects of every occasion, each by its index."""
    d = SCAN_DAY
    days = datetime.timedelta
    sql = (
        "SELECT "
        f"(SELECT count(*) FROM milestones_milestone WHERE status IN {OPEN} "
        "AND due_date IN (%s, %s)) + "
        f"(SELECT count(*) FROM milestones_milestone WHERE status IN {OPEN} AND due_date < %s) + "
        "(SELECT count(*) FROM governance_gate WHERE status = 'requested' "
        "AND requested_at <= %s) + "
        "(SELECT count(*) FROM engagements_phase WHERE status <> 'complete' "
        "AND planned_end = %s) + "
        "(SELECT count(*) FROM reporting_review WHERE status = 'scheduled' "
        "AND scheduled_on IN (%s, %s)) + "
        "(SELECT count(*) FROM reporting_reviewkpiresult WHERE action_owner_id IS NOT NULL "
        "AND (action_due IN (%s, %s) OR (action_due < %s AND action_due >= %s))) + "
        f"(SELECT count(*) FROM registers_raiditem WHERE status IN {RAID_OPEN} "
        "AND due_date IN (%s, %s)) + "
        f"(SELECT count(*) FROM registers_raiditem WHERE status IN {RAID_OPEN} "
        "AND due_date < %s) + "
        "(SELECT count(*) FROM reporting_driftalert WHERE ended_week IS NULL)"
    )
    params = [d + days(1), d + days(3), d, SCAN_AT - days(days=1), d + days(2), d + days(3)]
    params += [d - days(5), d + days(1), d + days(3), d, d - days(8)]
    params += [d + days(1), d + days(3), d]
    return sql, params


def best_of(repeats: int, function) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


def timed_in_rollback(repeats: int, prepare, function) -> tuple[float, object]:
    """Best of ``repeats``: ``prepare()`` untimed, then ``function()`` timed, rolled back."""
    from django.db import transaction

    best, result = float("inf"), None
    for _ in range(repeats):
        with transaction.atomic():
            prepare()
            started = time.perf_counter()
            result = function()
            best = min(best, time.perf_counter() - started)
            transaction.set_rollback(True)
    return best * 1000, result


def touch_one_tenant() -> None:
    """What an audited change in tenant 1 leaves behind: its feed counter moved."""
    execute(
        "INSERT INTO audit_feedcounter (tenant_id, last_position) VALUES (1, 1) "
        "ON CONFLICT (tenant_id) DO UPDATE SET last_position = "
        "audit_feedcounter.last_position + 1"
    )


def ledger_floor(repeats: int) -> float:
    """Best ms of writing the rows the first scan recorded into the emptied ledger with one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`` (autocommit: the foreign keys
    are checked at its commit, as the scan's are). Leaves the ledger as the scan left it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_reminder LIMIT 0")
        columns = ", ".join(c.name for c in cursor.description if c.name != "id")
    execute("DROP TABLE IF EXISTS bench_ledger")
    execute(f"CREATE TEMP TABLE bench_ledger AS SELECT {columns} FROM notifications_reminder")
    best = float("inf")
    for _ in range(repeats):
        execute(LEDGER_CLEARED)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO notifications_reminder ({columns}) SELECT {columns} "
                "FROM bench_ledger ON CONFLICT DO NOTHING RETURNING id"
            )
            cursor.fetchall()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def measure(overdue: int, repeats: int) -> dict:

    from notifications.scan import run_scan
    from notifications.tasks import dispatcher

    open_overdue(overdue)
    execute("TRUNCATE notifications_scanmark, notifications_scancursor, audit_feedcounter")
    sql, params = floor_sql()
    floor_ms, due_objects = best_of(repeats, lambda: scalar(sql, params))

    def scan(now, *, incremental=True):
        with dispatcher() as dispatch:
            return run_scan(now=now, dispatch=dispatch, incremental=incremental)

    # The first scan records; time it on fresh ledgers, commits included (each statement
    # commits, and the ledger's foreign keys are checked then), emptied between repeats.
    timings = []
    report = None
    for _attempt in range(repeats):
        execute(LEDGER_CLEARED + ", notifications_scanmark, notifications_scancursor")
        started = time.perf_counter()
        report = scan(SCAN_AT)
        timings.append(time.perf_counter() - started)
    first_ms = min(timings) * 1000
    ledger_ms = ledger_floor(repeats)
    # The workers have delivered everything; beat scans again 15 minutes later.
    execute("UPDATE notifications_reminder SET status = 'sent', sent_at = now()")
    execute("VACUUM ANALYZE notifications_reminder")
    later = SCAN_AT + datetime.timedelta(minutes=15)
    full_ms, full_report = best_of(repeats, lambda: scan(later, incremental=False))
    repeat_ms, repeat_report = best_of(repeats, lambda: scan(later))
    changed_ms, changed_report = timed_in_rollback(repeats, touch_one_tenant, lambda: scan(later))
    return {
        "overdue": overdue,
        "due_objects": due_objects,
        "reminders": sum(report.recorded.values()),
        "tasks": len(report.batches),
        "floor_ms": floor_ms,
        "ledger_ms": ledger_ms,
        "first_ms": first_ms,
        "full_ms": full_ms,
        "repeat_ms": repeat_ms,
        "changed_ms": changed_ms,
        "repeat_recorded": sum(
            sum(r.recorded.values()) for r in (full_report, repeat_report, changed_report)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    serial()
    existing = scalar("SELECT count(*) FROM milestones_milestone")
    if existing == 0:
        print(f"Building {args.milestones:,} milestones across {args.tenants:,} tenants ...")
        build(args)
    elif existing != args.milestones:
        print(
            f"The database holds {existing:,} milestones, not {args.milestones:,}: "
            "use an empty one."
        )
        return 2
    else:
        print(f"Reusing the {existing:,} milestones already built.")
    total = scalar("SELECT count(*) FROM milestones_milestone")
    print(f"\n{total:,} milestones, {args.tenants:,} tenants; scan at {SCAN_AT.isoformat()}\n")
    print(
        "Serial (max_parallel_workers_per_gather = 0). Floors: count = a serial count of the "
        "due rows; ledger = the same ledger rows in one INSERT ... SELECT."
    )
    header = (
        f"{'overdue':>8} {'due objects':>11} {'reminders':>9} {'tasks':>6} {'count ms':>9} "
        f"{'ledger ms':>9} {'first scan':>9} {'full repeat':>11} {'repeat':>8} "
        f"{'1 changed':>9}"
    )
    print(header)
    rows, missed = [], []
    for size in [int(part) for part in args.overdue.split(",")]:
        row = measure(size, args.repeats)
        rows.append(row)
        print(
            f"{row['overdue']:>8,} {row['due_objects']:>11,} {row['reminders']:>9,} "
            f"{row['tasks']:>6,} {row['floor_ms']:>9.1f} {row['ledger_ms']:>9.1f} "
            f"{row['first_ms']:>9.1f} {row['full_ms']:>11.1f} {row['repeat_ms']:>8.1f} "
            f"{row['changed_ms']:>9.1f}"
        )
        if row["repeat_recorded"]:
            missed.append(f"{size:,} overdue: a repeat scan recorded reminders twice")
    print()
    for row in rows:
        for label, figure, floor, floor_label, goal in (
            ("first scan", row["first_ms"], row["ledger_ms"], "ledger insert", FIRST_SCAN_GOAL),
            ("full repeat", row["full_ms"], row["floor_ms"], "serial count", FULL_REPEAT_GOAL),
        ):
            ratio = figure / floor
            verdict = "PASS" if ratio <= goal else "FAIL"
            print(
                f"  {verdict}  {row['overdue']:,} overdue, {label}: {figure:,.1f} ms; floor "
                f"({floor_label}) {floor:,.1f} ms; ratio {ratio:.1f}x (goal <= {goal:g}x)"
            )
            if verdict == "FAIL":
                missed.append(f"{row['overdue']:,} overdue, {label} {ratio:.1f}x > {goal:g}x")
        for label, key in (("repeat", "repeat_ms"), ("repeat, 1 changed", "changed_ms")):
            print(
                f"  info  {row['overdue']:,} overdue, incremental {label}: {row[key]:,.1f} ms "
                f"= {row[key] / row['floor_ms']:.1f}x the serial count"
            )
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        print(
            f"\ndue objects x{large['due_objects'] / small['due_objects']:.1f}: first scan "
            f"x{large['first_ms'] / small['first_ms']:.1f}, full repeat "
            f"x{large['full_ms'] / small['full_ms']:.1f}, repeat "
            f"x{large['repeat_ms'] / small['repeat_ms']:.1f} (same {total:,} milestones)"
        )
    print("\nPASS: every goal met" if not missed else f"\nFAIL: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
