from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from accounts.models import Tenant, User
from engagements.models import Engagement
from kernel.errors import NotFound
from notifications.models import Kind, Notification, Preference, Reminder
from notifications.occasions import occasions, statement, window_for


def preference_for(user: User) -> Preference:
    """How the person wants reminders (every kind by e-mail, at once, without a row)."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def inbox(*, user: User) -> QuerySet[Notification]:
    """The person's notifications in the active tenant, newest first."""
    return Notification.objects.filter(recipient=user).select_related("engagement")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_notification(*, user: User, public_id: uuid.UUID | str) -> Notification:
    found = inbox(user=user).filter(public_id=public_id).first()
    if found is None:
        raise NotFound("No such notification.")
    return found


@dataclass(frozen=True)
class DueOccasion:
    kind: str
    object_id: int
    occasion_date: datetime.date
    tenant: str
    engagement: str
    recipient: str

    def line(self) -> str:
        return (
            f"{self.occasion_date} {self.kind} #{self.object_id} -> {self.recipient} "
            f"({self.tenant} / {self.engagement})"
        )


def occasions_not_yet_recorded(*, now: datetime.datetime) -> list[DueOccasion]:
    """What a scan at ``now`` would record (for a dry run): due, and not in the ledger."""
    window = window_for(now)
    if window is None:
        return []
    found = []
    for kind, query in occasions(window):
        with_clause, params, select_sql = statement(kind, query, window)
        sql = (
            f"{with_clause} SELECT DISTINCT o.tenant_id, o.kind, o.object_id, "  # noqa: S608
            f"o.engagement_id, o.recipient_id, o.occasion_date FROM ({select_sql}) o "
            "WHERE NOT EXISTS (SELECT 1 FROM notifications_reminder r WHERE r.kind = o.kind "
            "AND r.object_id = o.object_id AND r.recipient_id = o.recipient_id "
            "AND r.occasion_date = o.occasion_date)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found += cursor.fetchall()
    tenants = dict(Tenant.objects.filter(pk__in={r[0] for r in found}).values_list("pk", "name"))
    engagements = dict(
        Engagement._base_manager.filter(pk__in={r[3] for r in found}).values_list("pk", "name")
    )
    people = dict(User.objects.filter(pk__in={r[4] for r in found}).values_list("pk", "username"))
    rows = [
        DueOccasion(
            kind=kind,
            object_id=object_id,
            occasion_date=datetime.date.fromisoformat(str(day)),
            tenant=tenants[tenant_id],
            engagement=engagements[engagement_id],
            recipient=people[recipient_id],
        )
        for tenant_id, kind, object_id, engagement_id, recipient_id, day in found
    ]
    return sorted(rows, key=lambda row: (row.tenant, row.recipient, row.kind, row.object_id))


def pending_reminders_due(*, now: datetime.datetime) -> list[Reminder]:
    """Recorded reminders waiting to be (re)tried at ``now``, across tenants (a dry run)."""
    return list(
        Reminder._base_manager.filter(status=Reminder.Status.PENDING, next_attempt_at__lte=now)
        .select_related("recipient")
        .order_by("next_attempt_at", "id")
    )


KIND_LABELS = dict(Kind.choices)
