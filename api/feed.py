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
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from rest_framework.exceptions import ValidationError

from accounts.models import User
from api.rest import serializers
from api.selectors import milestone_rows
from audit.models import Event
from engagements.models import Engagement, Phase
from engagements.permissions import sees_every_engagement
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from milestones.models import Milestone
from reporting.models import Kpi, KpiMeasurement, Review, ReviewKpiResult

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


def _scoped(model, actor: User | None) -> QuerySet:
    # None: a tenant-wide reader (webhooks of the tenant); the tenant scope still applies.
    return model.objects.all() if actor is None else model.objects.visible_to(actor)


def _milestones(actor: User | None, ids: list[str]) -> dict[str, dict]:
    rows = milestone_rows(_scoped(Milestone, actor).filter(public_id__in=ids))
    return {row["id_text"]: serializers.represent_milestone(row) for row in rows}


def gates_with_details(queryset: QuerySet[Gate]) -> QuerySet[Gate]:
    return queryset.select_related("engagement", "phase", "requested_by").prefetch_related(
        Prefetch(
            "attestations",
            queryset=GateAttestation.objects.select_related("attested_by").order_by("side"),
        ),
        Prefetch(
            "decisions",
            queryset=GateDecision.objects.select_related("decided_by").order_by("decided_at", "id"),
        ),
    )


def reviews_with_details(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related("engagement", "published_by").prefetch_related(
        Prefetch(
            "results",
            queryset=ReviewKpiResult.objects.select_related("kpi", "action_owner").order_by(
                "kpi__name", "id"
            ),
        )
    )


def _serialized(
    model, serializer_class, details: Callable[[QuerySet], QuerySet] = lambda qs: qs
) -> Callable[[User | None, list[str]], dict[str, dict]]:
    def load(actor: User | None, ids: list[str]) -> dict[str, dict]:
        rows = details(_scoped(model, actor).filter(public_id__in=ids))
        return {str(row.public_id): serializer_class(row).data for row in rows}

    return load


@dataclass(frozen=True)
class FeedType:
    name: str  # the ``type`` of an entry: the API's resource name, singular
    load: Callable[[User | None, list[str]], dict[str, dict]]


# Event.object_type -> how the API shows it. Other types (comments, tokens, ...) are not API
# resources and are not in the feed.
FEED_TYPES: dict[str, FeedType] = {
    "engagement": FeedType("engagement", _serialized(Engagement, serializers.EngagementSerializer)),
    "phase": FeedType(
        "phase",
        _serialized(
            Phase, serializers.PhaseSerializer, lambda qs: qs.select_related("engagement", "gate")
        ),
    ),
    "milestone": FeedType("milestone", _milestones),
    "gate": FeedType("gate", _serialized(Gate, serializers.GateSerializer, gates_with_details)),
    "gate_criterion": FeedType(
        "gate-criterion",
        _serialized(
            GateCriterion,
            serializers.CriterionSerializer,
            lambda qs: qs.select_related("gate__engagement", "decided_by"),
        ),
    ),
    "review": FeedType(
        "review", _serialized(Review, serializers.ReviewSerializer, reviews_with_details)
    ),
    "kpi": FeedType(
        "kpi",
        _serialized(Kpi, serializers.KpiSerializer, lambda qs: qs.select_related("engagement")),
    ),
    "kpi_measurement": FeedType(
        "kpi-measurement",
        _serialized(
            KpiMeasurement,
            serializers.MeasurementSerializer,
            lambda qs: qs.select_related("kpi__engagement", "recorded_by"),
        ),
    ),
}


# --- Reading the feed --------------------------------------------------------------------------


def events_after(*, actor: User | None, tenant_id: int, position: int, limit: int) -> list[Event]:
    """The active tenant's feed events after ``position`` that ``actor`` may see (None: all).

    Visibility is a filter on ``engagement_id`` inside the one query.
    """
    events = Event.objects.filter(position__gt=position, object_type__in=list(FEED_TYPES))
    if actor is not None and not sees_every_engagement(user=actor, tenant_id=tenant_id):
        events = events.filter(engagement_id__in=Engagement.objects.visible_to(actor).values("pk"))
    return list(events.order_by("position")[:limit])


def entries_for(*, actor: User | None, events: Iterable[Event]) -> list[dict[str, Any]]:
    """Feed entries for events, their current objects loaded in one query per type."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.action != Event.Action.DELETED:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    current = {
        object_type: FEED_TYPES[object_type].load(actor, sorted(ids))
        for object_type, ids in wanted.items()
    }
    return [entry_for(event, current.get(event.object_type, {})) for event in events]


def entry_for(event: Event, current: dict[str, dict]) -> dict[str, Any]:
    if event.action == Event.Action.DELETED:
        shown: dict | None = {"id": event.object_id}
    else:
        shown = current.get(event.object_id)
    return {
        "cursor": encode_cursor(event.position),
        "type": FEED_TYPES[event.object_type].name,
        "id": event.object_id,
        "action": event.action,
        "operation": event.operation,
        "correlation_id": str(event.correlation_id),
        "occurred_at": serializers._iso(event.occurred_at),
        "object": shown,
    }
