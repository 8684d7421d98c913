"""Run reminder scans at a frozen instant and deliver them in this process."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core import mail

from kernel.tenancy import tenant_context
from notifications.delivery import DeliveryReport, deliver_reminders
from notifications.models import Reminder
from notifications.scan import Batch, ScanReport, run_scan

UTC = datetime.UTC


def at(day: str, hour: int = 8, minute: int = 0, tz: str = "UTC") -> datetime.datetime:
    """An instant: ``at("2026-01-08", 8)`` is 08:00 UTC; ``tz`` names another zone."""
    import zoneinfo

    local = datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute)
    return local.replace(tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(UTC)


@dataclass
class Run:
    report: ScanReport
    deliveries: list[DeliveryReport] = field(default_factory=list)

    @property
    def sent(self) -> list[Reminder]:
        return [row for delivery in self.deliveries for row in delivery.sent]


def deliver(batch: Batch) -> DeliveryReport:
    with tenant_context(batch.tenant_id):
        return deliver_reminders(reminder_ids=batch.reminder_ids)


@pytest.fixture
def scan():
    """``scan(instant)``: one scan as beat runs it (incremental), the clock frozen there,
    delivered at once."""

    def run(instant: datetime.datetime) -> Run:
        with time_machine.travel(instant, tick=False):
            outcome = Run(report=ScanReport())
            outcome.report = run_scan(
                now=instant,
                dispatch=lambda batch: outcome.deliveries.append(deliver(batch)),
                incremental=True,
            )
        return outcome

    return run


def recorded(kind: str, **lookup) -> set[tuple[str, str]]:
    """(recipient username, object id) of every ledger row of ``kind``, in every tenant."""
    rows = Reminder._base_manager.filter(kind=kind, **lookup).select_related("recipient")
    return {(row.recipient.username, row.object_id) for row in rows}


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]
