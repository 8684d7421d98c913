"""The reminders an open RAID item is the occasion for: due soon and overdue, to its owner."""

# SQL here is assembled from constants of the code only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable

from engagements.permissions import seat_of
from engagements.reminders import engagement_path, quiet_reason, seated
from kernel import registry
from kernel.occasions import (
    Described,
    LedgerRow,
    Occasion,
    ReminderSettings,
    due_date_queries,
    due_phrase,
    quoted,
)
from registers.models import OPEN_STATUSES, RaidItem

DUE_SOON = "raid_due_soon"
OVERDUE = "raid_overdue"

# The same status list as the partial index ``raid_open_due``, so that index serves.
OPEN_ITEMS = (
    "SELECT i.id, i.engagement_id, i.owner_id, i.due_date FROM registers_raiditem i "
    f"WHERE i.status IN ({quoted(OPEN_STATUSES)})"
)


def describe(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    user = row.recipient
    item = RaidItem.objects.select_related("engagement").filter(pk=row.object_id).first()
    if item is None:
        return Described(skip="the RAID item was deleted")
    engagement = item.engagement
    what = item.get_kind_display()
    if not item.is_open:
        return Described(skip=f"the {what.lower()} is {item.get_status_display().lower()}")
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if item.owner_id != user.pk or not seat_of(user=user, engagement=engagement):
        return Described(skip=f"the recipient no longer owns the {what.lower()} here")
    days_left = (item.due_date - row.occasion_date).days
    if row.kind == DUE_SOON:
        if days_left not in policy().lead_days:
            return Described(skip=f"the {what.lower()}'s due date moved")
    elif days_left >= 0:
        return Described(skip=f"the {what.lower()}'s due date moved")
    subject = f"{what} “{item.title}”"
    return Described(
        subject=subject,
        due_on=item.due_date,
        title=f"{subject} {due_phrase(due_on=item.due_date, today=row.occasion_date)}",
        body=(
            f"You own this {what.lower()} in the RAID register; its due date is "
            f"{item.due_date:%A %d %B %Y}."
        ),
        link=f"{engagement_path(engagement)}raid/{item.public_id}/",
        engagement_link=engagement_path(engagement),
        facts=[
            (what, item.title),
            ("Status", item.get_status_display()),
            ("Due", item.due_date.isoformat()),
        ],
    )


soon, late = due_date_queries(rows=OPEN_ITEMS, alias="i", due="i.due_date", to=seated("i.owner_id"))
for kind, query in ((DUE_SOON, soon), (OVERDUE, late)):
    registry.occasions.register(kind, Occasion(kind=kind, query=query, describe=describe))
