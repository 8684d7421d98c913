"""The change feed: the tenant's event log (``audit.Event``) as the API shows it.

Entries come in commit order (``Event.position``, see ``audit.models.FeedCounter``). Each names
the object and carries it as the API shows it *now*: the page's objects are loaded in one query
per type, never per entry. An entry whose object was deleted since carries ``object: null``
(its ``deleted`` entry follows later in the feed); a ``deleted`` entry carries ``{"id": ...}``.
A consumer that applies entries in order (upsert a non-null object, delete on ``deleted``, skip
``null``) ends with an exact copy of what it may see, deletions included.

The cursor is the position, encoded (``base64url("p" + position)``): opaque to consumers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.db.models import Func, QuerySet, TextField
from rest_framework.exceptions import ValidationError

from accounts.models import User
from api.rest.serializers import iso
from audit.models import Event
from engagements.models import Engagement
from engagements.permissions import sees_every_engagement
from kernel import registry
from kernel.api import FeedType, Show

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
INVALID_CURSOR = "Invalid cursor: use the `cursor` of a previous answer."


# --- Cursors ----------------------------------------------------------------------------------


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor names; anything else is a 400 naming ``after``."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as garbled:
        raise ValidationError({"after": [INVALID_CURSOR]}) from garbled
    digits = text[1:]
    if not text.startswith("p") or not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        raise ValidationError({"after": [INVALID_CURSOR]})
    position = int(digits)
    if encode_cursor(position) != cursor:
        raise ValidationError({"after": [INVALID_CURSOR]})
    return position


# --- The objects, as the API shows them ----------------------------------------------------
# Each domain names the event types of its objects that the feed carries
# (``<app>/contributions/feed.py``, ``kernel.registry.feed_types``), each shown as one API
# resource shows it (``ApiResource.show``, built with ``serialized`` below).


def scoped(model, actor: User | None) -> QuerySet:
    # None: a tenant-wide reader (webhooks of the tenant); the tenant scope still applies.
    return model.objects.all() if actor is None else model.objects.visible_to(actor)


def serialized(
    model, serializer_class, details: Callable[[QuerySet], QuerySet] = lambda qs: qs
) -> Callable[[User | None, list[str]], dict[str, dict]]:
    """How the feed shows objects of ``model``: ``serializer_class`` of each, the rows that
    it reads joined in by ``details``, in one query."""

    def load(actor: User | None, ids: list[str]) -> dict[str, dict]:
        rows = details(scoped(model, actor).filter(public_id__in=ids))
        return {str(row.public_id): serializer_class(row).data for row in rows}

    return load


def feed_types() -> dict[str, FeedType]:
    """Event.object_type -> how the API shows it. Other types (comments, tokens, ...) are not
    API resources and are not in the feed."""
    return registry.feed_types.items()


def _shown(feed_type: FeedType) -> Show:
    return registry.api_resources.get(feed_type.resource).show


# --- Reading the feed --------------------------------------------------------------------------


class FeedEvent(NamedTuple):
    """What a feed entry shows of its event: an ``Event`` row without its snapshot, changes,
    note and label (a page of the feed reads thousands; decoding their JSON cost more than
    the rest of the page)."""

    pk: int
    position: int
    object_type: str
    object_id: str
    action: str
    operation: str
    occurred_at: Any
    correlation_id: str  # as text, formatted by the database


class _UuidText(Func):
    """A UUID column as its canonical text, computed by the database (no UUID parsed)."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps a UUID as 32 hex digits.
        column, params = compiler.compile(self.source_expressions[0])
        parts = ("1, 8", "9, 4", "13, 4", "17, 4", "21, 12")
        sql = " || '-' || ".join(f"SUBSTR({column}, {part})" for part in parts)
        return f"({sql})", params * len(parts)


def events_after(
    *, actor: User | None, tenant_id: int, position: int, limit: int
) -> list[FeedEvent]:
    """The active tenant's feed events after ``position`` that ``actor`` may see (None: all).

    Visibility is a filter on ``engagement_id`` inside the one query. Only the columns an
    entry shows are read.
    """
    events = Event.objects.filter(position__gt=position, object_type__in=list(feed_types()))
    if actor is not None and not sees_every_engagement(user=actor, tenant_id=tenant_id):
        events = events.filter(engagement_id__in=Engagement.objects.visible_to(actor).values("pk"))
    rows = events.order_by("position").values_list(
        *FeedEvent._fields[:-1], _UuidText("correlation_id")
    )
    return [FeedEvent._make(row) for row in rows[:limit]]


def entries_for(*, actor: User | None, events: Iterable[FeedEvent]) -> list[dict[str, Any]]:
    """Feed entries for events, their current objects loaded in one query per type."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.action != Event.Action.DELETED:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    types = feed_types()
    current = {
        object_type: _shown(types[object_type])(actor, sorted(ids))
        for object_type, ids in wanted.items()
    }
    resources = {object_type: feed_type.resource for object_type, feed_type in types.items()}
    return [
        entry_for(event, current.get(event.object_type, {}), resources[event.object_type])
        for event in events
    ]


def entry_for(event: FeedEvent, current: dict[str, dict], resource: str) -> dict[str, Any]:
    if event.action == Event.Action.DELETED:
        shown: dict | None = {"id": event.object_id}
    else:
        shown = current.get(event.object_id)
    return {
        "cursor": encode_cursor(event.position),
        "type": resource,
        "id": event.object_id,
        "action": event.action,
        "operation": event.operation,
        "correlation_id": event.correlation_id,
        "occurred_at": iso(event.occurred_at),
        "object": shown,
    }
