"""The RAID items a person owns, on their due dates, in the person's calendar feed
(``kernel.calendar``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from kernel.calendar import CalendarEvent, CalendarKind, register
from registers.models import RaidItem


def raid_items_owned_by(*, user: Any) -> QuerySet[RaidItem]:
    """RAID items the person owns, in engagements they still see (the active tenant's)."""
    return (
        RaidItem.objects.visible_to(user)
        .filter(owner=user)
        .select_related("engagement")
        .order_by("due_date", "id")
    )


def raid_item_event(item: RaidItem) -> CalendarEvent:
    engagement = item.engagement
    what = item.get_kind_display()
    return CalendarEvent(
        public_id=item.public_id,
        day=item.due_date,
        summary=f"{engagement.name}: {what} \N{EN DASH} {item.title}",
        details=(
            f"{what} you own in the RAID register.",
            f"Status: {item.get_status_display()}",
        ),
        path=reverse("registers:item", args=[engagement.public_id, item.public_id]),
        engagement=engagement,
        category="RAID item",
        last_modified=item.updated_at,
    )


register(
    CalendarKind(key="raid-items", position=20, rows=raid_items_owned_by, event=raid_item_event)
)
