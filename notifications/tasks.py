"""Beat runs the scan every 15 minutes; the scan hands each person's batch to a worker."""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Callable, Iterator

from celery import current_app, shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings
from django.utils import timezone

from kernel.background import TenantTask
from notifications import delivery, scan

log = logging.getLogger("notifications.delivery")


def _enqueue(batch: scan.Batch, producer=None) -> None:
    # A short repr of the arguments for logs and monitors: Celery's own (saferepr of every
    # id) costs a quarter of publishing a task.
    deliver_reminders.apply_async(
        kwargs={"tenant_id": batch.tenant_id, "reminder_ids": list(batch.reminder_ids)},
        producer=producer,
        argsrepr="()",
        kwargsrepr=f"{{tenant_id: {batch.tenant_id}, {len(batch.reminder_ids)} reminder_ids}}",
    )


@contextlib.contextmanager
def dispatcher() -> Iterator[Callable[[scan.Batch], None]]:
    """Publish a scan's delivery tasks through one producer (one broker connection from the
    pool for the whole scan, not one acquired per task)."""
    with current_app.producer_or_acquire() as producer:
        yield lambda batch: _enqueue(batch, producer=producer)


@shared_task(name="notifications.tasks.scan_reminders", acks_late=True)
def scan_reminders(now: str | None = None) -> dict:
    """Every occasion across every tenant, once; safe to run twice or side by side."""
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    with dispatcher() as dispatch:
        return scan.run_scan(now=moment, dispatch=dispatch, incremental=True).summary()


@shared_task(name="notifications.tasks.sweep_reminders", acks_late=True)
def sweep_reminders() -> dict:
    """Every REMINDER_SWEEP_SECONDS from beat: pending reminders whose lease ended (their
    worker died, their task was lost) go out again, well before the next scan."""
    with dispatcher() as dispatch:
        batches = scan.sweep(now=timezone.now(), dispatch=dispatch)
    return {"batches": len(batches), "claimed": sum(len(b.reminder_ids) for b in batches)}


@shared_task(
    base=TenantTask,
    bind=True,
    name="notifications.tasks.deliver_reminders",
    acks_late=True,
    max_retries=None,
)
def deliver_reminders(self, *, reminder_ids: list[int]) -> dict:
    """Deliver one person's batch; a failed send is retried with a growing delay."""
    report = delivery.deliver_reminders(reminder_ids=reminder_ids)
    if report.failed:
        attempt = self.request.retries + 1
        try:
            raise self.retry(
                countdown=delivery.retry_delay(attempt),
                max_retries=settings.REMINDER_TASK_MAX_RETRIES,
            )
        except MaxRetriesExceededError:
            # Still pending in the ledger: the scan hands it out again when its time comes.
            log.warning("reminders %s left to the next scans", [r.pk for r in report.failed])
    return {"sent": len(report.sent), "skipped": len(report.skipped), "failed": len(report.failed)}
