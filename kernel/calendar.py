"""What a person's calendar feed holds: the item type of ``kernel.registry.calendar_events``.

A domain offers one ``CalendarKind`` per kind of dated thing (a milestone, a gate, ...) in
``<app>/contributions/calendar.py``:

- ``rows(user=...)``: the rows of that kind the person's feed holds in the active tenant,
  already scoped by tenant and visibility, in order, and with every related row ``event``
  reads joined in (``select_related``), so that the feed costs one query per kind whatever
  the number of rows.
- ``event(row)``: one row as a ``CalendarEvent`` (its fields, in words).

The feed (``exports.ics``) lists the kinds by ``position`` and turns every event into an
all-day VEVENT; ``tests/exports/test_calendar_registry.py`` walks the registry (each kind
shows its event to a person who may see it, and nothing to a person of another tenant)::

    register(
        CalendarKind(
            key="gates",
            position=30,
            rows=gates_of_my_engagements,
            event=gate_event,
        )
    )
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kernel import registry


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event of the feed, as its domain words it."""

    # Its UID is ``<public_id>@bpo-transition``: stable, so a client updates it in place.
    public_id: Any
    day: datetime.date
    summary: str
    # Lines of the description (empty ones are left out); the feed adds the engagement's link.
    details: tuple[str, ...]
    # The path of the item's page (``reverse(...)``); the feed puts the site's URL before it.
    path: str
    engagement: Any
    category: str
    last_modified: datetime.datetime | None = None
    # The iCalendar STATUS ("CANCELLED"), if the event shows one.
    status: str | None = None


@dataclass(frozen=True)
class CalendarKind:
    key: str
    # Where the feed puts this kind's events among the others (lowest first).
    position: int
    rows: Callable[..., Iterable[Any]]
    event: Callable[[Any], CalendarEvent]


def register(kind: CalendarKind) -> CalendarKind:
    """Offer a kind of calendar event (from ``<app>/contributions/calendar.py``)."""
    return registry.calendar_events.register(kind.key, kind)


def calendar_kinds() -> list[CalendarKind]:
    """Every registered kind, in the order the feed lists them."""
    return sorted(registry.calendar_events, key=lambda kind: kind.position)
