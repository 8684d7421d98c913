"""Reminders: record what is due in the ledger, hand it to workers, deliver each one once.

The scan (``run_scan``) runs across tenants with no tenant active: it only writes ledger rows,
each taking its tenant from the object it is about, and hands them out in batches of one
tenant and one person. Beat's scan is incremental: it skips what no change can have made due
(``plan_scan`` says why that is safe). Delivery (``deliver_reminders``) runs inside that
tenant, as a ``TenantTask`` does, and finds only that tenant's rows.

Exactly once, step by step:
- the ledger's unique key (kind, object, person, occasion date) makes a second scan of the
  same occasion write nothing;
- a row is written already leased to the scan that wrote it (``next_attempt_at`` past a
  lease), and a row due again is claimed by moving that lease, so two scans hand each row to
  one worker; a worker that dies leaves its rows to be claimed again when the lease ends;
- a delivery locks its row (``SKIP LOCKED``), checks it is still pending and still right,
  sends, and marks it sent in the same transaction: nothing is marked sent before it was
  sent, and a retried or duplicated task finds it sent and does nothing. (An SMTP server that
  accepted a message just before the worker died can get it again: each message carries a
  Message-ID made from the ledger row, so a mail system can recognise the repeat.)
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Tenant, User, known_time_zones
from audit import services as audit
from audit.services import operation
from engagements.permissions import require_tenant_admin
from kernel.errors import InvalidInput
from kernel.tenancy import get_active_tenant
from notifications.models import (
    MAX_LEAD_DAYS,
    Digest,
    Kind,
    Notification,
    Preference,
    Reminder,
    ReminderPolicy,
    ScanCursor,
    ScanGeneration,
    ScanMark,
    lead_days_mask,
)
from notifications.occasions import (
    Described,
    Window,
    Zone,
    describe,
    next_reminder_hour,
    occasions,
    window_for,
)

log = logging.getLogger("notifications.delivery")

INSERT_COLUMNS = (
    "tenant_id, kind, object_id, engagement_id, recipient_id, occasion_date, "
    "status, channel, attempts, last_error, skipped_reason, next_attempt_at, created_at"
)


# --- The scan -------------------------------------------------------------------------------


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


def _moment(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _record(window: Window, lease_until, now, tenants=None) -> tuple[dict[str, int], list]:
    """One INSERT ... SELECT per kind over ``window``'s zones (of ``tenants``, default all)."""
    recorded, rows = {}, []
    for occasion in occasions(window):
        with_clause, with_params, select_sql = occasion.statement(window, tenants)
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
            cursor.execute(sql, [*with_params, _moment(lease_until), _moment(now)])
            written = cursor.fetchall()
        recorded[occasion.kind] = len(written)
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
            cursor.execute(CLAIM_SQL, [_moment(lease_until), _moment(now), _moment(now), size])
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
    recorded, written = record_due_reminders(now=now, incremental=incremental)
    report = ScanReport(recorded=recorded)
    report.batches = batches_of([*written, *claim_due_reminders(now=now)])
    for batch in report.batches:
        dispatch(batch)
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


# --- Delivery -------------------------------------------------------------------------------


def retry_delay(attempt: int) -> int:
    """Seconds before try ``attempt + 1``: doubling from the base, up to the cap."""
    base = settings.REMINDER_RETRY_BASE_SECONDS
    return min(settings.REMINDER_RETRY_MAX_SECONDS, base * 2 ** max(attempt - 1, 0))


@dataclass
class DeliveryReport:
    sent: list[Reminder] = field(default_factory=list)
    skipped: list[Reminder] = field(default_factory=list)
    failed: list[Reminder] = field(default_factory=list)
    postponed: list[Reminder] = field(default_factory=list)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _message_id(kind: str, pk: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{kind}-{pk}@{host}>"


def preference_for(user: User) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


class Outbox:
    """One mail connection for a whole batch, opened before the first send and closed after
    the last row is marked sent. Between the mail server accepting a message and its ledger
    row being committed there is then only the row's UPDATE and COMMIT; with a connection per
    message the server's answer to QUIT (a slow one can take seconds) would sit in between,
    and a worker killed there sends that message again after the restart."""

    def __init__(self) -> None:
        self.connection = None

    def send(self, message: EmailMultiAlternatives) -> None:
        if self.connection is None:
            connection = get_connection()
            connection.open()
            self.connection = connection
        message.connection = self.connection
        try:
            message.send()
        except Exception:
            self.close()  # a broken connection is opened afresh for the next message
            raise

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def _send(
    *, outbox: Outbox, to: User, subject: str, template: str, context: dict, message_id: str
) -> None:
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[to.email],
        headers={"Message-ID": message_id},
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    outbox.send(message)


def _entry(reminder: Reminder, described: Described) -> dict:
    return {
        "reminder": reminder,
        "described": described,
        "engagement": reminder.engagement,
        "link": absolute(described.link),
        "engagement_link": absolute(described.engagement_link),
    }


def _log(reminder: Reminder, outcome: str) -> None:
    log.info(
        "reminder %s %s: %s for user %s on %s in tenant %s (attempt %s)",
        reminder.pk,
        outcome,
        reminder.kind,
        reminder.recipient_id,
        reminder.occasion_date,
        reminder.tenant_id,
        reminder.attempts,
    )


def _fail(reminder: Reminder, failure: Exception, now: datetime.datetime) -> None:
    reminder.attempts += 1
    reminder.last_error = f"{type(failure).__name__}: {failure}"[:2000]
    # Past the task's own retry, so that the scan takes it up only if that retry is lost.
    reminder.next_attempt_at = now + datetime.timedelta(
        seconds=retry_delay(reminder.attempts) + settings.REMINDER_DELIVERY_LEASE_SECONDS
    )
    reminder.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    _log(reminder, f"failed ({reminder.last_error})")


def _notify(reminder: Reminder, described: Described, now: datetime.datetime) -> None:
    Notification.objects.get_or_create(
        reminder=reminder,
        defaults={
            "tenant_id": reminder.tenant_id,
            "recipient_id": reminder.recipient_id,
            "engagement_id": reminder.engagement_id,
            "kind": reminder.kind,
            "title": described.title[:300],
            "subject": described.subject[:300],
            "due_on": described.due_on,
            "body": described.body,
            "link": described.link,
            "created_at": now,
        },
    )


def _deliver_one(reminder_id: int, tenant: Tenant, report: DeliveryReport, outbox: Outbox) -> None:
    now = timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "engagement")
            .filter(pk=reminder_id, status=Reminder.Status.PENDING)
            .first()
        )
        if reminder is None:
            return  # sent or skipped already, another tenant's, or another worker has it
        described = describe(reminder)
        if described.skip:
            reminder.status = Reminder.Status.SKIPPED
            reminder.skipped_reason = described.skip[:200]
            reminder.save(update_fields=["status", "skipped_reason"])
            report.skipped.append(reminder)
            _log(reminder, f"skipped ({described.skip})")
            return
        _notify(reminder, described, now)
        preference = preference_for(reminder.recipient)
        if not preference.wants_email(reminder.kind) or not reminder.recipient.email:
            reminder.status, reminder.channel = Reminder.Status.SENT, Reminder.Channel.IN_APP
            reminder.sent_at, reminder.attempts = now, reminder.attempts + 1
            reminder.save(update_fields=["status", "channel", "sent_at", "attempts"])
            report.sent.append(reminder)
            _log(reminder, "shown in the app (no e-mail wanted)")
            return
        if preference.daily_digest:
            reminder.channel = Reminder.Channel.DIGEST
            reminder.save(update_fields=["channel"])
            report.postponed.append(reminder)
            return
        context = {"tenant": tenant, "recipient": reminder.recipient, **_entry(reminder, described)}
        context["preferences_link"] = absolute("/notifications/preferences/")
        try:
            with transaction.atomic():
                _send(
                    outbox=outbox,
                    to=reminder.recipient,
                    subject=f"[{tenant.name}] {reminder.engagement.name}: {described.title}",
                    template="reminder",
                    context=context,
                    message_id=_message_id("reminder", reminder.pk),
                )
        except Exception as failure:
            _fail(reminder, failure, now)
            report.failed.append(reminder)
            return
        reminder.status, reminder.channel = Reminder.Status.SENT, Reminder.Channel.EMAIL
        reminder.sent_at, reminder.attempts = timezone.now(), reminder.attempts + 1
        reminder.last_error = ""
        reminder.save(update_fields=["status", "channel", "sent_at", "attempts", "last_error"])
        report.sent.append(reminder)
        _log(reminder, "sent by e-mail")


def _send_digest(recipient_id: int, tenant: Tenant, report: DeliveryReport, outbox: Outbox) -> None:
    """One e-mail with every pending digest reminder of the person in this tenant."""
    now = timezone.now()
    with transaction.atomic():
        recipient = User.objects.get(pk=recipient_id)
        time_zone = recipient.time_zone_in(tenant)
        rows = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "engagement")
            .filter(
                recipient=recipient,
                status=Reminder.Status.PENDING,
                channel=Reminder.Channel.DIGEST,
            )
            .order_by("engagement__name", "occasion_date", "kind", "id")
        )
        if not rows:
            return
        local_date = max(
            timezone.localtime(now, timezone=zoneinfo.ZoneInfo(time_zone)).date(),
            max(row.occasion_date for row in rows),
        )
        digest, _created = Digest.objects.get_or_create(
            recipient=recipient, local_date=local_date, defaults={"tenant_id": tenant.pk}
        )
        digest = Digest.objects.select_for_update().get(pk=digest.pk)
        if digest.status == Digest.Status.SENT:
            # Today's digest has gone: these wait for tomorrow's, at 08:00 the person's time.
            later = next_reminder_hour(now=now, time_zone=time_zone)
            for row in rows:
                row.next_attempt_at = later
                row.save(update_fields=["next_attempt_at"])
                report.postponed.append(row)
            return
        entries = []
        for row in rows:
            described = describe(row)
            if described.skip:
                row.status, row.skipped_reason = Reminder.Status.SKIPPED, described.skip[:200]
                row.save(update_fields=["status", "skipped_reason"])
                report.skipped.append(row)
                _log(row, f"skipped ({described.skip})")
            else:
                entries.append(_entry(row, described))
        if not entries:
            return
        context = {
            "tenant": tenant,
            "recipient": recipient,
            "entries": entries,
            "local_date": local_date,
            "preferences_link": absolute("/notifications/preferences/"),
        }
        count = len(entries)
        try:
            with transaction.atomic():
                _send(
                    outbox=outbox,
                    to=recipient,
                    subject=(
                        f"[{tenant.name}] {count} reminder{'s' if count != 1 else ''} "
                        f"for {local_date:%A %d %B}"
                    ),
                    template="digest",
                    context=context,
                    message_id=_message_id("digest", digest.pk),
                )
        except Exception as failure:
            digest.attempts += 1
            digest.last_error = f"{type(failure).__name__}: {failure}"[:2000]
            digest.save(update_fields=["attempts", "last_error"])
            for entry in entries:
                _fail(entry["reminder"], failure, now)
                report.failed.append(entry["reminder"])
            return
        sent_at = timezone.now()
        digest.status, digest.sent_at = Digest.Status.SENT, sent_at
        digest.attempts += 1
        digest.last_error = ""
        digest.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        for entry in entries:
            row = entry["reminder"]
            row.status, row.sent_at, row.digest = Reminder.Status.SENT, sent_at, digest
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["status", "sent_at", "digest", "attempts", "last_error"])
            report.sent.append(row)
            _log(row, f"sent in the digest of {local_date}")


def _extend_lease(reminder_ids: list[int]) -> float:
    """Keep this task's rows out of the sweep while it works through them (a live worker's
    rows are never handed out twice merely because the batch is long); returns when to
    extend again."""
    lease = settings.REMINDER_DELIVERY_LEASE_SECONDS
    if reminder_ids:
        Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.PENDING).update(
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=lease)
        )
    return time.monotonic() + lease / 3


def deliver_reminders(*, reminder_ids: Iterable[int]) -> DeliveryReport:
    """Deliver these reminders of the active tenant (others' ids are simply not found):
    an in-app notification each, and an e-mail each or one digest, as each person wants."""
    tenant = get_active_tenant()
    if tenant is None:
        raise RuntimeError("deliver_reminders runs inside a tenant (a TenantTask enters it).")
    report = DeliveryReport()
    remaining = sorted(set(reminder_ids))
    outbox = Outbox()
    try:
        extend_at = _extend_lease(remaining)
        while remaining:
            if time.monotonic() >= extend_at:
                extend_at = _extend_lease(remaining)
            _deliver_one(remaining.pop(0), tenant, report, outbox)
        for recipient_id in sorted({row.recipient_id for row in report.postponed}):
            _send_digest(recipient_id, tenant, report, outbox)
    finally:
        outbox.close()
    return report


# --- The notification centre and preferences --------------------------------------------------


def mark_read(*, actor: User, notification: Notification) -> Notification:
    """Personal state, not business data: no audit event."""
    if notification.recipient_id != actor.pk:
        raise InvalidInput("This notification is not yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def update_preferences(
    *, actor: User, daily_digest: bool, email_off: Iterable[str], time_zone: str
) -> Preference:
    """A person's own reminder settings (and time zone; blank follows the tenant's)."""
    kinds = set(email_off)
    unknown = kinds - set(Kind.values)
    errors = {}
    if unknown:
        errors["email_off"] = [f"Unknown kinds: {', '.join(sorted(unknown))}."]
    time_zone = time_zone.strip()
    if time_zone and time_zone not in known_time_zones():
        errors["time_zone"] = [f"“{time_zone}” is not a known time zone (e.g. Europe/London)."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    preference, _created = Preference.objects.select_for_update().get_or_create(user=actor)
    preference.daily_digest = daily_digest
    preference.email_off = sorted(kinds)
    preference.save()
    if actor.time_zone != time_zone:
        actor.time_zone = time_zone
        actor.save(update_fields=["time_zone"])
    return preference


@operation("reminders.policy_changed", tenant_of="tenant")
def update_reminder_policy(
    *,
    actor: User,
    tenant: Tenant,
    lead_days: Iterable[int],
    escalate_after_days: int,
    action_overdue_days: int,
) -> ReminderPolicy:
    """A tenant's lead times and escalation: its admins decide."""
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="change reminder settings")
    days = sorted({int(day) for day in lead_days}, reverse=True)
    errors = {}
    if not days or any(not 1 <= day <= MAX_LEAD_DAYS for day in days):
        errors["lead_days"] = [f"Give one or more lead times of 1 to {MAX_LEAD_DAYS} days."]
    if not 1 <= escalate_after_days <= 60:
        errors["escalate_after_days"] = ["Escalate after 1 to 60 days."]
    if not 1 <= action_overdue_days <= 60:
        errors["action_overdue_days"] = ["Chase an overdue action for 1 to 60 days."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    values = {
        "lead_days_mask": lead_days_mask(days),
        "escalate_after_days": escalate_after_days,
        "action_overdue_days": action_overdue_days,
    }
    policy = ReminderPolicy.objects.select_for_update().filter(tenant=tenant).first()
    if policy is None:
        policy = ReminderPolicy.objects.create(tenant=tenant, **values)
        audit.record_created(actor=actor, instance=policy)
        return policy
    audit.change(actor=actor, instance=policy, **values)
    return policy
