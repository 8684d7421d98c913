from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Q, QuerySet

from accounts.models import User
from audit.models import Event
from audit.services import ACCOUNT


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


def account_events(
    *, operations: Iterable[str], operation: str | None = None, person: User | None = None
) -> QuerySet[Event]:
    """The active tenant's sign-in and security events (``operations``), newest first: of one
    kind (``operation``) and about or by one person, when named."""
    events = Event.objects.filter(operation__in=list(operations))
    if operation:
        events = events.filter(operation=operation)
    if person is not None:
        events = events.filter(
            Q(actor=person) | Q(object_type=ACCOUNT, object_id=str(person.public_id))
        )
    return events.select_related("actor").order_by("-id")


def appears_in_account_events(*, person: User) -> bool:
    """The person has an account event in the active tenant (someone who left it still has)."""
    return Event.objects.filter(object_type=ACCOUNT, object_id=str(person.public_id)).exists()
