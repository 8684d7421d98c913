"""Reminder occasions: what a domain declares so that the reminder scan finds what is due in it.

A domain registers one ``Occasion`` per kind of reminder in ``<app>/contributions/occasions.py``
(``kernel.registry.occasions.register(kind, Occasion(...))``). An occasion is two things the
domain owns:

- ``query(window)``: its due objects as SQL (``DueQuery``), tied to a person's local date and
  to the routes that reach its recipients. The notification scan wraps it in one set-based
  statement over every tenant (``notifications.occasions``), so a scan stays one indexed
  statement per kind however many tenants there are.
- ``describe(row, policy)``: the ledger row checked again against the data just before it is
  sent, and put into words (``Described``), or the reason it is no longer sent.

What the SQL may name: the due objects' own tables; ``z`` (the zone table: ``z.local_date``,
the person's local date, and the ``zone_dates`` the query asks for); ``e`` (the engagement),
``u`` (the person reached) and whatever a ``Route`` joins; ``window.setting(name)`` for a
tenant's reminder settings. Everything else (the ledger, the tenants, the time zones) is the
scanner's.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection

# A tenant's lead times are bits of one integer (bit n set: remind n days before a due date),
# so that one SQL test checks them all.
MAX_LEAD_DAYS = 30


def lead_days_mask(days: Iterable[int]) -> int:
    """Lead times as bits (bit n set: remind n days before), so one SQL test checks them."""
    mask = 0
    for day in days:
        mask |= 1 << int(day)
    return mask


def lead_days_of(mask: int) -> list[int]:
    """The lead times a mask holds, longest first."""
    return [day for day in range(MAX_LEAD_DAYS, 0, -1) if mask >> day & 1]


# --- The clock and the window of one scan ---------------------------------------------------


@dataclass(frozen=True)
class Zone:
    name: str
    local_date: datetime.date
    eight_at: datetime.datetime  # 08:00 on local_date there, in UTC


@dataclass
class Window:
    """The dates one scan looks at (every zone where it is past 08:00) and the tenants'
    reminder settings as the SQL sees them: ``defaults`` for a tenant without a policy,
    ``longest`` the largest value any tenant has, ``lead_days`` every lead time any has."""

    zones: list[Zone]
    lead_days: set[int]
    defaults: dict[str, int] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)

    @property
    def latest_date(self) -> datetime.date:
        return max(zone.local_date for zone in self.zones)

    @property
    def earliest_date(self) -> datetime.date:
        return min(zone.local_date for zone in self.zones)

    def local_dates(self) -> set[datetime.date]:
        return {zone.local_date for zone in self.zones}

    def shifted(self, *offsets: int) -> list:
        """Every local date of the window moved by each offset (days), as SQL parameters."""
        days = sorted({d + datetime.timedelta(days=o) for d in self.local_dates() for o in offsets})
        return [sql_date(day) for day in days]

    def setting(self, name: str) -> str:
        """A tenant's reminder setting ``name`` in the scan's SQL (the default without one)."""
        return f"COALESCE(p.{name}, {self.defaults[name]})"

    def lead_test(self, due: str) -> str:
        """``due`` (a date expression) is one of the tenant's lead times after the local date."""
        days = days_between(due, "z.local_date")
        return (
            f"{days} BETWEEN 1 AND {MAX_LEAD_DAYS} "
            f"AND (({self.setting('lead_days_mask')} >> {days}) & 1) = 1"
        )


# --- SQL --------------------------------------------------------------------------------------


def days_between(later: str, earlier: str) -> str:
    """Whole days from ``earlier`` to ``later`` (two date expressions), in this database."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def sql_date(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def sql_moment(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def placeholders(values: list) -> str:
    """``%s, %s, ...`` for ``values`` (``NULL`` for none: ``IN (NULL)`` matches nothing)."""
    return ", ".join(["%s"] * len(values)) if values else "NULL"


def quoted(values: Iterable[str]) -> str:
    """Constant strings of the code (never input) as an SQL list: ``'a', 'b'``."""
    return ", ".join(f"'{value}'" for value in values)


@dataclass(frozen=True)
class Route:
    """One way from a due object to people: joins that bind the person's user row as ``u``."""

    joins: str
    where: str = "1 = 1"


@dataclass(frozen=True)
class DueQuery:
    """One kind of reminder as SQL: the due objects (``due``: SELECT ... FROM ... WHERE ...,
    with ``id`` and ``engagement_id`` among its columns; selected first through their index),
    the condition that ties an object to a person's local date (``when``), and the routes to
    its recipients. ``alias`` names the due objects in ``when`` and the routes.

    ``zone_dates``: more columns of the zone table, each a value computed from a zone (e.g.
    its local date three days on), for ``when`` to compare with. ``once``: a person hears of
    an object once, ever (the ledger remembers), not once a day."""

    due: str
    due_params: list
    alias: str
    when: str
    routes: tuple[Route, ...]
    zone_dates: tuple[tuple[str, Callable[[Zone], Any]], ...] = ()
    once: bool = False


def due_soon(*, rows: str, alias: str, due: str, to: Route, window: Window) -> DueQuery:
    """Open work with a due date (``rows``: SELECT ... WHERE, by ``alias``; ``due``, its due
    date column): the people ``to`` reaches hear on each of the tenant's lead days before."""
    soon = window.shifted(*window.lead_days)
    return DueQuery(
        due=f"{rows} AND {due} IN ({placeholders(soon)})",
        due_params=soon,
        alias=alias,
        when=window.lead_test(due),
        routes=(to,),
    )


def overdue(*, rows: str, alias: str, due: str, to: Route, window: Window) -> DueQuery:
    """Open work past its due date: the people ``to`` reaches hear every day it stays open."""
    return DueQuery(
        due=f"{rows} AND {due} < %s",
        due_params=[sql_date(window.latest_date)],
        alias=alias,
        when=f"{due} < z.local_date",
        routes=(to,),
    )


def due_date_queries(
    *, rows: str, alias: str, due: str, to: Route
) -> tuple[Callable[[Window], DueQuery], Callable[[Window], DueQuery]]:
    """The queries of open work with an owner and a due date: ``due_soon`` and ``overdue``."""

    def soon(window: Window) -> DueQuery:
        return due_soon(rows=rows, alias=alias, due=due, to=to, window=window)

    def late(window: Window) -> DueQuery:
        return overdue(rows=rows, alias=alias, due=due, to=to, window=window)

    return soon, late


# --- Checked again at send time, and put into words -------------------------------------------


@dataclass
class Described:
    """What a reminder says, or why it is no longer sent."""

    title: str = ""
    body: str = ""
    link: str = ""
    engagement_link: str = ""
    skip: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    # A reminder about a date: what is due and when. The notification centre words the
    # title from these when it is read (``notifications.wording``), so that it stays true.
    subject: str = ""
    due_on: datetime.date | None = None


class LedgerRow(Protocol):
    """What a describer reads of a reminder: one occasion of one object for one person."""

    kind: str
    object_id: int
    occasion_date: datetime.date
    recipient: Any


class ReminderSettings(Protocol):
    """A tenant's reminder settings, as ``describe`` is handed them (read when asked)."""

    lead_days: list[int]
    escalate_after_days: int
    action_overdue_days: int
    access_approval_days: int


@dataclass(frozen=True)
class Occasion:
    """One kind of reminder a domain owns: its SQL (``query``) and its words (``describe``)."""

    kind: str
    query: Callable[[Window], DueQuery]
    describe: Callable[[LedgerRow, Callable[[], ReminderSettings]], Described]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def due_phrase(*, due_on: datetime.date, today: datetime.date, event: bool = False) -> str:
    """How far ``due_on`` is from ``today``: "is due in 3 days", "is 1 day overdue" (or, for
    an ``event`` on that date, "in 3 days", "was 1 day ago")."""
    days = (due_on - today).days
    if event:
        if days > 0:
            return f"in {plural(days, 'day')}"
        return "today" if days == 0 else f"was {plural(-days, 'day')} ago"
    if days > 0:
        return f"is due in {plural(days, 'day')}"
    return "is due today" if days == 0 else f"is {plural(-days, 'day')} overdue"
