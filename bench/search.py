"""Benchmark: the first page of a search over a big tenant, against one raw full-text query.

Builds (set-based, INSERT ... SELECT generate_series) a focus tenant of ``--milestones``
milestones and ``--comments`` comments over ``--engagements`` engagements (each with RAID
items, a KPI, a gate criterion and roster people), and ``--other-tenants`` smaller tenants
holding the same words, with the search's GIN indexes built after the rows. Texts come from a
vocabulary, so a common word matches about a tenth of the rows and a rare one about 1 in
10,000.

For each word it times, best of ``--repeats``, serially (``max_parallel_workers_per_gather =
0``):

- **the path**: ``GET /api/v1/search/?q=<word>`` through Django's full request stack in
  process (the test client, the production middleware, a signed-in PMO, then a provider lead
  seated on half the engagements), every kind's first page with its count and headlines;
- **the floor**: one hand-written SQL statement doing the same work on the same rows: per
  kind, ``to_tsvector(...) @@ websearch_to_tsquery(...)`` over the tenant (and the seats, for
  the lead), ``count(*) OVER ()``, ``ts_rank`` order, ``ts_headline`` of the 5 shown, the same
  columns, ``UNION ALL`` of the seven kinds.

Goals (issue 20): the path <= 3x its floor, and the same number of queries for every word.
The exit status is 1 when one misses. Not measured through gunicorn (the API bench does
that for lists); the figure includes the in-process request stack.

    createdb -h 127.0.0.1 -U postgres bpo_bench_search
    .venv/bin/python bench/search.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_search --milestones 200000
"""

# The data-building and floor SQL is assembled from this script's own constants and numbers.
# ruff: noqa: S608, E501

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 3.0
WORDS = [
    "access", "badge", "training", "migration", "payroll", "floor", "wallboard", "escalation",
    "forecast", "certification", "telephony", "headset", "schedule", "quality", "handover",
    "knowledge", "license", "network", "reporting", "calibration",
]  # fmt: skip
RARE = "quokka"  # about 1 in 10,000 milestones and comments
MEDIUM = "wallaby"  # about 1 in 100
QUERY = "websearch_to_tsquery('english'::regconfig, %s)"
VOCAB = "ARRAY[" + ", ".join(f"'{word}'" for word in WORDS) + "]"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--milestones", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--engagements", type=int, default=2_000)
    parser.add_argument("--other-tenants", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--words",
        default=f"{RARE},{MEDIUM},{MEDIUM} -{RARE},{MEDIUM} payroll",
        help="comma-separated searches (a vocabulary word alone matches ~40%% of the rows: "
        "ranking them all takes tens of seconds, path and floor alike)",
    )
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


def execute(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def text(seed: str, words: int) -> str:
    """SQL for a sentence of ``words`` vocabulary words picked by ``seed`` (an integer)."""
    parts = [
        f"({VOCAB})[1 + (({seed})::bigint * {7919 * (k + 3)} + {k}) % {len(WORDS)}]"
        for k in range(words)
    ]
    return " || ' ' || ".join(parts)


def build(args) -> None:
    from django.db import connection

    migration = __import__("search.migrations.0001_fulltext_indexes", fromlist=["INDEXES"])
    for _app, _model, _fields, name in migration.INDEXES:
        execute(f"DROP INDEX IF EXISTS {name}")
    tenants = 1 + args.other_tenants
    # tenant 1: the focus; every other tenant gets a tenth of its rows (the same words)
    sizes = [(1, args.engagements, args.milestones, args.comments)] + [
        (t, max(1, args.engagements // 10), args.milestones // 10, args.comments // 10)
        for t in range(2, tenants + 1)
    ]
    execute(
        "INSERT INTO accounts_tenant (id, public_id, name, slug, time_zone, created_at, "
        "separation_of_duties, require_second_factor) SELECT t, gen_random_uuid(), "
        f"'Tenant ' || t, 'bench-' || t, 'UTC', now(), true, false FROM generate_series(1, {tenants}) t"
    )
    # per tenant: user 2t-1 is its PMO, user 2t a provider lead seated on even engagements
    execute(
        "INSERT INTO accounts_user (id, password, is_superuser, username, first_name, "
        "last_name, email, is_staff, is_active, date_joined, public_id, time_zone) "
        "SELECT u, '!', false, 'bench-' || u, 'Person', u::text, 'p' || u || '@bench.invalid', "
        f"false, true, now(), gen_random_uuid(), '' FROM generate_series(1, {2 * tenants}) u"
    )
    execute(
        "INSERT INTO accounts_membership (public_id, user_id, tenant_id, role, created_at) "
        "SELECT gen_random_uuid(), u, (u + 1) / 2, CASE WHEN u % 2 = 1 THEN 'pmo' "
        f"ELSE 'member' END, now() FROM generate_series(1, {2 * tenants}) u"
    )
    engagement = milestone = comment = 0
    for tenant, engagements, milestones, comments in sizes:
        e0, m0, c0 = engagement, milestone, comment
        steps = [
            (
                "engagements",
                "INSERT INTO engagements_engagement (id, tenant_id, public_id, name, "
                "client_name, provider_name, scope, contract_signed_on, target_go_live, "
                "time_zone, status, review_anchor, playbook_key, created_at, updated_at) "
                f"SELECT e, {tenant}, gen_random_uuid(), 'Engagement ' || e || ' ' || "
                f"{text('e', 1)}, 'Client', 'Provider', '', DATE '2026-01-05', "
                "DATE '2026-06-01', 'UTC', 'in_transition', 'contract_signature', '', now(), "
                f"now() FROM generate_series({e0 + 1}, {e0 + engagements}) e",
            ),
            (
                "seats",
                "INSERT INTO engagements_engagementmember (tenant_id, public_id, "
                f"engagement_id, user_id, side, role) SELECT {tenant}, gen_random_uuid(), e, "
                f"{2 * tenant}, 'provider', 'lead' FROM generate_series({e0 + 1}, "
                f"{e0 + engagements}) e WHERE e % 2 = 0",
            ),
            (
                "phases, gates, criteria, KPIs",
                "INSERT INTO engagements_phase (id, tenant_id, public_id, engagement_id, kind, "
                "position, planned_start, planned_end, status) SELECT e, "
                f"{tenant}, gen_random_uuid(), e, 'transition', 2, DATE '2026-01-05', "
                f"DATE '2026-03-01', 'active' FROM generate_series({e0 + 1}, "
                f"{e0 + engagements}) e",
            ),
            (
                "",
                "INSERT INTO governance_gate (id, tenant_id, public_id, engagement_id, "
                "phase_id, name, client_attestation_required, provider_attestation_required, "
                f"status) SELECT e, {tenant}, gen_random_uuid(), e, e, 'Gate ' || e, false, "
                f"false, 'open' FROM generate_series({e0 + 1}, {e0 + engagements}) e",
            ),
            (
                "",
                "INSERT INTO governance_gatecriterion (tenant_id, public_id, gate_id, "
                f"position, text, required, state, justification) SELECT {tenant}, "
                f"gen_random_uuid(), e, 1, 'Signed off: ' || {text('e', 3)}, true, 'not_met', "
                f"'' FROM generate_series({e0 + 1}, {e0 + engagements}) e",
            ),
            (
                "",
                "INSERT INTO reporting_kpi (id, tenant_id, public_id, engagement_id, key, name, "
                f"unit, target, direction) SELECT e, {tenant}, gen_random_uuid(), e, 'aht', "
                f"'Handle time ' || {text('e', 1)}, 's', 300, 'lower' "
                f"FROM generate_series({e0 + 1}, {e0 + engagements}) e",
            ),
            (
                "RAID items (5 per engagement)",
                "INSERT INTO registers_raiditem (tenant_id, public_id, engagement_id, kind, "
                "title, description, owner_id, due_date, status, probability, impact, "
                "response, handling, decision_rule, version, created_at, updated_at) "
                f"SELECT {tenant}, gen_random_uuid(), e, 'risk', 'Risk ' || {text('e * 5 + k', 2)}, "
                f"{text('e * 7 + k', 6)}, {2 * tenant - 1}, DATE '2026-03-01', 'open', 3, 3, "
                f"CASE WHEN (e * 5 + k) % 9973 = 0 THEN 'Borrow a {RARE}' ELSE '' END, '', '', "
                f"1, now(), now() FROM generate_series({e0 + 1}, {e0 + engagements}) e, "
                "generate_series(0, 4) k",
            ),
            (
                "waves and roster people (10 per engagement)",
                "INSERT INTO roster_wave (tenant_id, public_id, engagement_id, number, name, "
                f"start_date) SELECT {tenant}, gen_random_uuid(), e, 1, '', DATE '2026-02-01' "
                f"FROM generate_series({e0 + 1}, {e0 + engagements}) e",
            ),
            (
                "",
                "INSERT INTO roster_person (tenant_id, public_id, engagement_id, wave_id, "
                "external_id, name, email, role, site, start_date, status, created_at, "
                f"updated_at) SELECT {tenant}, gen_random_uuid(), e, (SELECT id FROM "
                "roster_wave w WHERE w.engagement_id = e), 'HR-' || e || '-' || k, "
                f"'Agent ' || {text('e * 10 + k', 1)} || ' ' || e || k, "
                "'a' || e || '.' || k || '@bench.invalid', 'agent', '', DATE '2026-02-01', "
                f"'planned', now(), now() FROM generate_series({e0 + 1}, {e0 + engagements}) e, "
                "generate_series(0, 9) k",
            ),
            (
                f"{milestones:,} milestones",
                "INSERT INTO milestones_milestone (id, tenant_id, public_id, engagement_id, "
                "phase_id, title, description, owner_id, side, due_date, status, evidence, "
                "evidence_link, evidence_required, playbook_key, version, created_at, "
                f"updated_at) SELECT m, {tenant}, gen_random_uuid(), e, e, "
                f"initcap({text('m', 2)}) || ' step ' || m, "
                f"'Check ' || {text('m + 1', 8)} || CASE WHEN m % 10007 = 0 THEN ' {RARE}' "
                f"WHEN m % 101 = 0 THEN ' {MEDIUM}' ELSE '' END, {2 * tenant - 1}, 'provider', DATE '2026-03-01', 'not_started', "
                "'', '', false, '', 1, now(), now() "
                f"FROM (SELECT m, {e0} + 1 + (m - {m0} - 1) % {engagements} AS e "
                f"FROM generate_series({m0 + 1}, {m0 + milestones}) m) AS numbered",
            ),
            (
                f"{comments:,} comments",
                "INSERT INTO milestones_milestonecomment (tenant_id, public_id, milestone_id, "
                f"author_id, body, created_at) SELECT {tenant}, gen_random_uuid(), "
                f"{m0} + 1 + (c * 7) % {milestones}, {2 * tenant - 1}, "
                f"'Spoke about ' || {text('c + 3', 12)} || CASE WHEN c % 10009 = 0 "
                f"THEN ' {RARE}' WHEN c % 103 = 0 THEN ' {MEDIUM}' ELSE '' END, now() "
                f"FROM generate_series({c0 + 1}, {c0 + comments}) c",
            ),
        ]
        for label, sql in steps:
            started = time.perf_counter()
            execute(sql)
            if label:
                print(f"  tenant {tenant}: {label} in {time.perf_counter() - started:.1f} s")
        engagement, milestone, comment = e0 + engagements, m0 + milestones, c0 + comments
    for table in (
        "accounts_tenant",
        "accounts_user",
        "engagements_engagement",
        "engagements_phase",
        "governance_gate",
        "reporting_kpi",
        "milestones_milestone",
    ):
        execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    from django.apps import apps

    started = time.perf_counter()
    with connection.schema_editor(atomic=False) as editor:
        for app, model, fields, name in migration.INDEXES:
            editor.add_index(apps.get_model(app, model), migration._index(fields, name))
    print(f"  GIN indexes in {time.perf_counter() - started:.1f} s")
    execute("VACUUM ANALYZE")


def vector(table: str, fields: tuple[str, ...]) -> str:
    # exactly the indexed expression (search/migrations/0001), or the index is not used
    body = " || ' ' || ".join(f"COALESCE({table}.{field}, '')::text" for field in fields)
    return f"to_tsvector('english'::regconfig, {body})"


def floor_sql(tenant: int, lead: int | None) -> tuple[str, list]:
    """One statement: the seven kinds' first pages, counts, ranks and headlines."""
    kinds = [
        ("engagement", "engagements_engagement", ("name", "client_name", "provider_name"),
         "engagements_engagement.id", "engagements_engagement.name", ""),
        ("milestone", "milestones_milestone", ("title", "description", "evidence"),
         "milestones_milestone.engagement_id", "milestones_milestone.title",
         "JOIN engagements_engagement e ON e.id = milestones_milestone.engagement_id "
         "JOIN engagements_phase p ON p.id = milestones_milestone.phase_id"),
        ("milestone_comment", "milestones_milestonecomment", ("body",), "m.engagement_id",
         "m.title", "JOIN milestones_milestone m ON m.id = milestones_milestonecomment.milestone_id "
         "JOIN engagements_engagement e ON e.id = m.engagement_id "
         "JOIN accounts_user a ON a.id = milestones_milestonecomment.author_id"),
        ("raid_item", "registers_raiditem",
         ("title", "description", "response", "handling", "decision_rule"),
         "registers_raiditem.engagement_id", "registers_raiditem.title",
         "JOIN engagements_engagement e ON e.id = registers_raiditem.engagement_id"),
        ("kpi", "reporting_kpi", ("name", "unit"), "reporting_kpi.engagement_id",
         "reporting_kpi.name", "JOIN engagements_engagement e ON e.id = reporting_kpi.engagement_id"),
        ("gate_criterion", "governance_gatecriterion", ("text", "justification"),
         "g.engagement_id", "governance_gatecriterion.text",
         "JOIN governance_gate g ON g.id = governance_gatecriterion.gate_id "
         "JOIN engagements_engagement e ON e.id = g.engagement_id"),
        ("roster_person", "roster_person", ("name",), "roster_person.engagement_id",
         "roster_person.name", "JOIN engagements_engagement e ON e.id = roster_person.engagement_id "
         "JOIN roster_wave w ON w.id = roster_person.wave_id"),
    ]  # fmt: skip
    parts, params = [], []
    for kind, table, fields, engagement_column, title, joins in kinds:
        seen = ""
        if lead is not None:
            seen = (
                f" AND {engagement_column} IN (SELECT engagement_id FROM "
                "engagements_engagementmember WHERE user_id = %s)"
            )
            params_seen = [lead]
        else:
            params_seen = []
        if kind == "roster_person":
            seen += " AND roster_person.erased_at IS NULL"
        body = " || ' · ' || ".join(f"{table}.{field}::text" for field in fields)
        parts.append(
            f"(SELECT '{kind}' AS kind, {table}.public_id::text, {title}::text AS title, "
            f"ts_headline('english'::regconfig, {body}, {QUERY}, 'StartSel=\ue000, StopSel=\ue001, "
            'MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "\') AS headline, '
            f"count(*) OVER () AS total, ts_rank({vector(table, fields)}, {QUERY}) AS rank "
            f"FROM {table} {joins} "
            f"WHERE {table}.tenant_id = %s AND {vector(table, fields)} @@ {QUERY}{seen} "
            f"ORDER BY rank DESC, {table}.id DESC LIMIT 5)"
        )
        params += [None, None, tenant, None, *params_seen]
    return " UNION ALL ".join(parts), params


def best(repeats: int, function) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings), result


def main(argv=None) -> int:
    args = parse_args(argv)
    configure_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    call_command("migrate", verbosity=0)
    execute("SET max_parallel_workers_per_gather = 0")
    existing = execute("SELECT count(*) FROM milestones_milestone")[0][0]
    if existing == 0:
        print(f"Building {args.milestones:,} milestones and {args.comments:,} comments ...")
        build(args)
    else:
        print(f"Reusing the {existing:,} milestones already built.")
    counts = {
        table: execute(f"SELECT count(*) FROM {table} WHERE tenant_id = 1")[0][0]
        for table in ("milestones_milestone", "milestones_milestonecomment", "registers_raiditem")
    }
    print(f"focus tenant: {counts}; {args.other_tenants} other tenants\n")
    settings_allowed = ["testserver", "localhost"]
    from django.conf import settings

    settings.ALLOWED_HOSTS = settings_allowed
    missed, queries_seen = [], set()
    for who, username, lead in (("PMO", "bench-1", None), ("provider lead", "bench-2", 2)):
        client = Client(HTTP_HOST="localhost", secure=True)
        client.force_login(User.objects.get(username=username))
        for word in args.words.split(","):

            def path(word=word, client=client):
                answer = client.get("/api/v1/search/", {"q": word})
                assert answer.status_code == 200, answer.content[:300]
                return answer.json()

            sql, params = floor_sql(1, lead)
            params = [word if value is None else value for value in params]

            def floor(sql=sql, params=params):
                return execute(sql, params)

            path()  # warm
            captured = []  # (a request clears connection.queries: count with a wrapper)
            with connection.execute_wrapper(
                lambda run, sql, *rest, seen=captured: seen.append(sql) or run(sql, *rest)
            ):
                page = path()
            queries_seen.add(len(captured))
            path_ms, page = best(args.repeats, path)
            floor_ms, rows = best(args.repeats, floor)
            found = {group["kind"]: group["count"] for group in page["groups"]}
            floor_counts = {row[0]: row[4] for row in rows}
            assert {k: v for k, v in found.items() if v} == floor_counts, (found, floor_counts)
            ratio = path_ms / floor_ms
            verdict = "PASS" if ratio <= GOAL else "FAIL"
            print(
                f"  {verdict}  {who}, q={word!r}: {sum(found.values()):,} matches "
                f"({found.get('milestone', 0):,} milestones, "
                f"{found.get('milestone_comment', 0):,} comments); path {path_ms:,.1f} ms, "
                f"{len(captured)} queries; floor {floor_ms:,.1f} ms; ratio {ratio:.2f}x "
                f"(goal <= {GOAL:g}x)"
            )
            if verdict == "FAIL":
                missed.append(f"{who} {word!r} {ratio:.2f}x")
    if len(queries_seen) != 1:
        missed.append(f"queries vary with the words: {sorted(queries_seen)}")
    else:
        print(f"\n  PASS  the same {queries_seen.pop()} queries for every word")
    print("\nPASS: every goal met" if not missed else f"\nFAIL: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
