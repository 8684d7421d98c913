"""Delivery of reminders: each one once, as an in-app notification and an e-mail or a digest.

Delivery (``deliver_reminders``) runs inside one tenant, as a ``TenantTask`` does, and finds
only that tenant's rows (the scan, ``notifications.scan``, hands them out in batches).

Exactly once, delivery's part: a delivery locks its row (``SKIP LOCKED``), checks it is still
pending and still right, sends, and marks it sent in the same transaction: nothing is marked
sent before it was sent, and a retried or duplicated task finds it sent and does nothing. (An
SMTP server that accepted a message just before the worker died can get it again: each
message carries a Message-ID made from the ledger row, so a mail system can recognise the
repeat.)
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Tenant, User
from kernel import metrics
from kernel.occasions import Described
from kernel.tenancy import get_active_tenant
from notifications.clock import next_reminder_hour
from notifications.models import Digest, Notification, Reminder
from notifications.occasions import describe
from notifications.selectors import preference_for

log = logging.getLogger("notifications.delivery")


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
    metrics.count("reminders_sent", len(report.sent))
    metrics.count("reminders_failed", len(report.failed))
    return report
