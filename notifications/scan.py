"""The reminder scan: record what is due in the ledger and hand it to workers in batches.

The scan (``run_scan``) runs across tenants with no tenant active: it only writes ledger rows,
each taking its tenant from the object it is about, and hands them out in batches of one
tenant and one person (``notifications.delivery`` delivers them, inside that tenant). Beat's
scan is incremental: it skips what no change can have made due (``plan_scan`` says why that
is safe).

Exactly once, the scan's part:
- the ledger's unique key (kind, object, person, occasion date) makes a second scan of the
  same occasion write nothing;
- a row is written already leased to the scan that wrote it (``next_attempt_at`` past a
  lease), and a row due again is claimed by moving that lease, so two scans hand each row to
  one worker; a worker that dies leaves its rows to be claimed again when the lease ends.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection, transaction

from kernel import metrics
from kernel.occasions import Window, Zone, sql_moment
from notifications.models import Kind, ScanCursor, ScanGeneration, ScanMark
from notifications.occasions import occasions, statement, window_for

INSERT_COLUMNS = (
    "tenant_id, kind, object_id, engagement_id, recipient_id, occasion_date, "
    "status, channel, attempts, last_error, skipped_reason, next_attempt_at, created_at"
)


@dataclass(frozen=True)
class Batch:
    """Reminders of one tenant (each person's together), delivered by one task."""

    tenant_id: int
    reminder_ids: tuple[int, ...]


@dataclass
class ScanReport:
    recorded: dict[str, int] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return sum(len(batch.reminder_ids) for batch in self.batches)

    def summary(self) -> dict:
        return {
            "recorded": sum(self.recorded.values()),
            "claimed": self.claimed,
            "batches": len(self.batches),
        }


def _record(window: Window, lease_until, now, tenants=None) -> tuple[dict[str, int], list]:
    """One INSERT ... SELECT per kind over ``window``'s zones (of ``tenants``, default all)."""
    recorded, rows = {}, []
    for kind, query in occasions(window):
        with_clause, with_params, select_sql = statement(kind, query, window, tenants)
        # The WITH goes inside the INSERT (SQLite knows a statement as an INSERT only when it
        # starts with one). Rows in a fixed order: two scans inserting at once wait for each
        # other instead of deadlocking, and only the scan that wrote a row hands it out.
        sql = (
            f"INSERT INTO notifications_reminder ({INSERT_COLUMNS}) {with_clause} "  # noqa: S608
            "SELECT o.tenant_id, o.kind, o.object_id, o.engagement_id, o.recipient_id, "
            "o.occasion_date, 'pending', '', 0, '', '', %s, %s "
            f"FROM ({select_sql}) o WHERE 1 = 1 "
            "ORDER BY o.object_id, o.recipient_id, o.occasion_date "
            "ON CONFLICT (kind, object_id, recipient_id, occasion_date) DO NOTHING "
            "RETURNING id, tenant_id, recipient_id"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*with_params, sql_moment(lease_until), sql_moment(now)])
            written = cursor.fetchall()
        recorded[kind] = len(written)
        rows += written
    return recorded, rows


CHANGED_TENANTS_SQL = (
    "SELECT f.tenant_id, f.last_position FROM audit_feedcounter f "
    "LEFT JOIN notifications_scancursor c ON c.tenant_id = f.tenant_id "
    "WHERE c.tenant_id IS NULL OR f.last_position > c.position "
    # In one order: two scans writing the same cursors wait for each other, never deadlock.
    "ORDER BY f.tenant_id"
)


@dataclass(frozen=True)
class ScanPlan:
    """What a repeat scan must look at again: zones whose day no scan has covered for every
    tenant yet (``stale``), and tenants changed since the last scan, over the other zones."""

    generation: int
    changed: dict[int, int]  # tenant -> its change-feed position, read before the statements
    stale: list[Zone]
    fresh: list[Zone]


def plan_scan(*, window: Window, now: datetime.datetime, full: bool = False) -> ScanPlan:
    """Read, before any statement runs, the marks, the generation and the changed tenants.

    Why a skipped zone is safe: every occasion is a function of the person's local date and
    of the data, and the data changes only through services, which write audit events whose
    per-tenant position follows commit order (``audit.FeedCounter``). A zone's mark says that
    its date was scanned for every tenant; a tenant's cursor says that every change up to that
    position was committed before the scan that covered it. A tenant whose counter has not
    moved has had no change since, so a new scan would find nothing new for it. Changes that
    write no event (a person's or a tenant's time zone, a person made active) bump the
    generation and void every mark; and a mark older than REMINDER_FULL_SCAN_SECONDS is void
    too, so anything changed some other way is picked up within that interval.
    """
    generation = ScanGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    with connection.cursor() as cursor:
        cursor.execute(CHANGED_TENANTS_SQL)
        changed = dict(cursor.fetchall())
    marks = {mark.zone: mark for mark in ScanMark.objects.all()}
    horizon = now - datetime.timedelta(seconds=settings.REMINDER_FULL_SCAN_SECONDS)
    stale, fresh = [], []
    for zone in window.zones:
        mark = marks.get(zone.name)
        covered = (
            not full
            and mark is not None
            and mark.local_date == zone.local_date
            and mark.generation == generation
            and horizon < mark.scanned_at <= now
        )
        (fresh if covered else stale).append(zone)
    return ScanPlan(generation=generation, changed=changed, stale=stale, fresh=fresh)


def _remember(plan: ScanPlan, now: datetime.datetime) -> None:
    """After the statements: the stale zones' days are covered, the changed tenants too."""
    if not plan.stale and not plan.changed:
        return
    with transaction.atomic():
        ScanMark.objects.bulk_create(
            [
                ScanMark(
                    zone=zone.name,
                    local_date=zone.local_date,
                    generation=plan.generation,
                    scanned_at=now,
                )
                for zone in plan.stale
            ],
            update_conflicts=True,
            unique_fields=["zone"],
            update_fields=["local_date", "generation", "scanned_at"],
        )
        ScanCursor.objects.bulk_create(
            [ScanCursor(tenant_id=tenant, position=pos) for tenant, pos in plan.changed.items()],
            update_conflicts=True,
            unique_fields=["tenant_id"],
            update_fields=["position"],
        )


def record_due_reminders(
    *, now: datetime.datetime, incremental: bool = False
) -> tuple[dict[str, int], list[tuple]]:
    """Write a pending ledger row for every occasion due now that has none: one INSERT ...
    SELECT per kind, across every tenant. The rows are written already claimed (leased) by
    this scan; returns the count per kind and the (id, tenant, person) of each row.

    ``incremental`` (what beat does): look again only at zones whose day is new to the scan
    and at tenants changed since the last scan (``plan_scan``); with nothing new, no
    statement runs at all."""
    window = window_for(now)
    if window is None:
        return {}, []
    lease_until = now + datetime.timedelta(seconds=settings.REMINDER_DELIVERY_LEASE_SECONDS)
    plan = plan_scan(window=window, now=now, full=not incremental)
    passes = []
    if plan.stale:
        passes.append((replace(window, zones=plan.stale), None))
    if plan.fresh and plan.changed:
        passes.append((replace(window, zones=plan.fresh), sorted(plan.changed)))
    recorded, rows = dict.fromkeys(Kind.values, 0), []
    for zones, tenants in passes:
        counts, written = _record(zones, lease_until, now, tenants)
        for kind, count in counts.items():
            recorded[kind] += count
        rows += written
    _remember(plan, now)
    return recorded, rows


CLAIM_SQL = (
    "UPDATE notifications_reminder SET next_attempt_at = %s "
    "WHERE status = 'pending' AND next_attempt_at <= %s AND id IN ("
    "SELECT id FROM notifications_reminder WHERE status = 'pending' AND next_attempt_at <= %s "
    "ORDER BY next_attempt_at, id LIMIT %s) "
    "RETURNING id, tenant_id, recipient_id"
)


def claim_due_reminders(*, now: datetime.datetime) -> list[tuple]:
    """Claim pending reminders whose time has come again (a failed send's next try, a
    digest's next morning, a dead worker's lease), a batch of rows per statement.

    The claim moves ``next_attempt_at`` a lease ahead: another scan does not hand the same
    rows out again, and rows whose worker died come back when the lease ends.
    """
    lease_until = now + datetime.timedelta(seconds=settings.REMINDER_DELIVERY_LEASE_SECONDS)
    size = settings.REMINDER_CLAIM_BATCH
    claimed = []
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            moments = [sql_moment(lease_until), sql_moment(now), sql_moment(now)]
            cursor.execute(CLAIM_SQL, [*moments, size])
            rows = cursor.fetchall()
        claimed += rows
        if len(rows) < size:
            return claimed


def batches_of(rows: Iterable[tuple]) -> list[Batch]:
    """One task's worth each: reminders of one tenant, a person's never split (their digest
    is sent from one batch), up to REMINDER_TASK_BATCH rows unless one person has more."""
    by_tenant: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for reminder_id, tenant_id, recipient_id in rows:
        by_tenant[tenant_id][recipient_id].append(reminder_id)
    limit = settings.REMINDER_TASK_BATCH
    batches = []
    for tenant_id, people in sorted(by_tenant.items()):
        current: list[int] = []
        for _recipient_id, ids in sorted(people.items()):
            if current and len(current) + len(ids) > limit:
                batches.append(Batch(tenant_id, tuple(sorted(current))))
                current = []
            current += ids
        if current:
            batches.append(Batch(tenant_id, tuple(sorted(current))))
    return batches


def run_scan(
    *, now: datetime.datetime, dispatch: Callable[[Batch], None], incremental: bool = False
) -> ScanReport:
    """Every occasion once: record what is due, claim what may go, hand each batch over.
    ``incremental``: skip what no change can have made due (see ``plan_scan``)."""
    started = time.monotonic()
    recorded, written = record_due_reminders(now=now, incremental=incremental)
    report = ScanReport(recorded=recorded)
    report.batches = batches_of([*written, *claim_due_reminders(now=now)])
    for batch in report.batches:
        dispatch(batch)
    metrics.record_scan((time.monotonic() - started) * 1000)
    return report


def sweep(*, now: datetime.datetime, dispatch: Callable[[Batch], None]) -> list[Batch]:
    """Hand out again what is pending and whose lease has ended: a dead worker's rows, a
    delivery task lost with its broker, a failed send whose retry did not come. Beat runs
    it every REMINDER_SWEEP_SECONDS; it records nothing, so it costs one indexed UPDATE when
    there is nothing to do. Idempotent through the ledger: a row sent since is not pending,
    and a task that finds a row sent (or locked by the worker sending it) leaves it alone."""
    batches = batches_of(claim_due_reminders(now=now))
    for batch in batches:
        dispatch(batch)
    return batches
