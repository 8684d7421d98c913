"""Benchmark: a bulk change of 500 milestones against one set-based UPDATE plus its INSERT.

Issue 20's goal: a bulk change of 500 milestones <= 3x a single set-based UPDATE of the same
rows plus the INSERT of their events, and a constant number of statements whatever the count.

Data: three tenants built like ``bench/pages.py`` (engagements from the shipped playbooks,
people on every side), the measured one with an engagement of 600 milestones in every phase,
status and owner; the change moves the due date of 500 of them.

Measured in process, median of R runs after a warm-up, figure and floor taken in turns, each
run moving the same 500 milestones to a new date (each run is a real change, committed):

- the figure: ``POST /api/v1/milestones/bulk/`` as the provider lead (Django's test client,
  the whole API path but the socket), and, reported beside it, the service alone
  (``milestones.bulk.apply_bulk_change``);
- the floor: on a bare cursor in one transaction, ``UPDATE ... SET due_date, version + 1,
  updated_at WHERE id = ANY(...)`` and one ``INSERT INTO audit_event ... SELECT`` of the same
  500 rows, each event with its snapshot of the 16 audited fields and its change pair built
  in SQL (the same columns the figure writes).

It prints figure, floor, ratio and goal, and the statements of the figure for 5 and 500
milestones; exit status 1 when the ratio misses or the statements differ.

    psql -h 127.0.0.1 -U postgres -c 'create database bpo_bench_bulk'
    .venv/bin/python bench/bulk.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bpo_bench_bulk
    psql -h 127.0.0.1 -U postgres -c 'drop database bpo_bench_bulk'
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402  (bench/pages.py: configure_django, build, timed_runs, queries_of)

GOAL_RATIO = 3.0
COUNT = 500

FLOOR_UPDATE = (
    "UPDATE milestones_milestone SET due_date = %s, version = version + 1, "
    "updated_at = now() WHERE id = ANY(%s) AND tenant_id = %s"
)
# The events of the same rows, with what the figure writes: the snapshot of the audited
# fields (foreign keys as public ids, dependencies as a list) and the change of the date.
FLOOR_INSERT = """
INSERT INTO audit_event (tenant_id, occurred_at, operation, correlation_id, position,
    actor_id, engagement_id, engagement_uuid, object_type, object_id, object_label, action,
    changes, snapshot, note)
SELECT m.tenant_id, now(), 'milestone.bulk_changed', %s, NULL, %s, m.engagement_id,
    e.public_id, 'milestone', m.public_id::text, m.title, 'updated',
    jsonb_build_object('due_date', jsonb_build_array(%s::text, m.due_date::text),
                       'version', jsonb_build_array(m.version - 1, m.version)),
    jsonb_build_object('engagement', e.public_id::text, 'phase', p.public_id::text,
        'title', m.title, 'description', m.description, 'owner', o.public_id::text,
        'side', m.side, 'due_date', m.due_date::text, 'status', m.status,
        'evidence', m.evidence, 'evidence_link', m.evidence_link,
        'evidence_required', m.evidence_required, 'completed_at', m.completed_at,
        'completed_by', c.public_id::text, 'external_id', m.external_id,
        'depends_on', COALESCE((SELECT jsonb_agg(d2.public_id::text ORDER BY d2.public_id)
            FROM milestones_milestonedependency d JOIN milestones_milestone d2
            ON d2.id = d.depends_on_id WHERE d.milestone_id = m.id), '[]'::jsonb),
        'version', m.version),
    'Bulk change'
FROM milestones_milestone m
JOIN engagements_engagement e ON e.id = m.engagement_id
JOIN engagements_phase p ON p.id = m.phase_id
JOIN accounts_user o ON o.id = m.owner_id
LEFT JOIN accounts_user c ON c.id = m.completed_by_id
WHERE m.id = ANY(%s) AND m.tenant_id = %s
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL (your own database)")
    parser.add_argument("--requests", type=int, default=15, metavar="R")
    parser.add_argument("--count", type=int, default=COUNT, metavar="N")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pages.configure_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from kernel.tenancy import tenant_context
    from milestones import bulk
    from milestones.models import Milestone

    if connection.vendor != "postgresql":
        print("bench/bulk.py measures PostgreSQL: pass --database-url postgres://...")
        return 2
    call_command("migrate", verbosity=0)
    run_id = f"bench-bulk-{datetime.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    pages.build(run_id=f"{run_id}-n0", engagements=3, milestones=0)
    tenant, people, engagement = pages.build(run_id=run_id, engagements=3, milestones=600)
    pages.build(run_id=f"{run_id}-n1", engagements=3, milestones=0)
    lead = people["provider"]
    with tenant_context(tenant):
        rows = list(
            Milestone.objects.filter(engagement=engagement)
            .exclude(evidence_required=True, status="done", evidence="")
            .order_by("id")
            .values_list("pk", "public_id")[: args.count]
        )
    pks = [pk for pk, _ in rows]
    public_ids = [str(public_id) for _, public_id in rows]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Bulk change benchmark, run {run_id}")
    print(
        f"  {pages.describe_database()}; data built in {time.perf_counter() - started:.1f} s; "
        f"{len(rows)} milestones of an engagement of 600, 3 tenants"
    )
    print(f"  median of {args.requests} runs after a warm-up, in process, taken in turns")

    client = Client()
    client.force_login(lead)
    dates = (engagement.contract_signed_on + datetime.timedelta(days=d) for d in itertools.count(1))

    def through_api(ids: list[str]) -> None:
        response = client.post(
            "/api/v1/milestones/bulk/",
            json.dumps({"ids": ids, "change": {"due_date": next(dates).isoformat()}}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content[:500]
        assert response.json()["counts"]["refused"] == 0

    def through_service() -> None:
        with tenant_context(tenant):
            bulk.apply_bulk_change(
                actor=lead,
                tenant=tenant,
                ids=[uuid.UUID(p) for p in public_ids],
                change=bulk.BulkChange(due_date=next(dates)),
            )

    def floor() -> None:
        day = next(dates)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FLOOR_UPDATE, [day, pks, tenant.pk])
            cursor.execute(
                FLOOR_INSERT, [str(uuid.uuid4()), lead.pk, day.isoformat(), pks, tenant.pk]
            )

    api_times, floor_times = pages.timed_runs(lambda: through_api(public_ids), floor, args.requests)
    service_times, floor_times_2 = pages.timed_runs(through_service, floor, args.requests)
    few, _ = pages.queries_of(lambda: through_api(public_ids[:5]))
    many, _ = pages.queries_of(lambda: through_api(public_ids))

    api_ms, service_ms = statistics.median(api_times), statistics.median(service_times)
    floor_ms = statistics.median(floor_times + floor_times_2)
    ratio = api_ms / floor_ms
    print()
    print(f"  {'path':<46} {'median ms':>9}  {'floor ms':>8}  {'ratio':>6}  goal")
    verdict = "PASS" if ratio <= GOAL_RATIO else "MISS"
    print(
        f"  {'POST /api/v1/milestones/bulk/, ' + str(len(rows)) + ' milestones':<46} "
        f"{api_ms:>9.1f}  {floor_ms:>8.1f}  {ratio:>5.2f}x  <= {GOAL_RATIO:.0f}x {verdict}"
    )
    print(
        f"  {'apply_bulk_change (the service alone)':<46} {service_ms:>9.1f}  {floor_ms:>8.1f}  "
        f"{service_ms / floor_ms:>5.2f}x  reported"
    )
    same = "PASS" if few == many else "MISS"
    print(f"  statements of the API call: {few} for 5 milestones, {many} for {len(rows)}: {same}")
    return 0 if verdict == "PASS" and same == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
