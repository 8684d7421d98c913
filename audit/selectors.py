from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from audit.models import Event


def history_of(*, instance: models.Model) -> QuerySet[Event]:
    """Every event of one object, oldest first, with the actor loaded."""
    return (
        Event.objects.filter(
            object_type=instance.AUDIT_TYPE,
            object_id=str(getattr(instance, "public_id", instance.pk)),
        )
        .select_related("actor")
        .order_by("id")
    )


def changes_after(*, position: int, limit: int) -> list[Event]:
    """The active tenant's events after a feed position, in commit order.

    Positions are handed out in commit order per tenant (see ``audit.models.FeedCounter``),
    so a consumer that remembers the last position it read never skips an event that
    commits later, and never reads one twice.
    """
    return list(
        Event.objects.filter(position__gt=position)
        .select_related("actor")
        .order_by("position")[:limit]
    )
