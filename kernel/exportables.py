"""What can be exported: the item type of ``kernel.registry.exportables``.

An ``Exportable`` names its kind (the URL slug and part of the file name), a title, the
columns (a human header and how to read the value from one row) and ``rows``: the selector
that returns the rows an actor may see, already scoped by tenant and visibility, in order, and
with every related row the columns read joined in (``select_related``), so that exporting
costs the same few queries whatever the number of rows. The writers (``exports.writers``)
turn any exportable into a streamed CSV or an XLSX workbook; the pages list what is
registered (by ``position``), and ``tests/exports/test_registry.py`` walks the registry
(headers, visibility, query counts).

Two scopes:
- ``ENGAGEMENT``: ``rows(actor=..., engagement=...)``; listed on ``/engagements/<id>/exports/``
  and served at ``/engagements/<id>/exports/<kind>.csv`` and ``.xlsx``. The engagement was
  already found through the actor's visibility (another tenant's or engagement's is a 404).
- ``PERSONAL``: ``rows(actor=...)`` across the active tenant; listed on the calendar and
  exports page, served at ``/exports/<kind>.csv`` and ``.xlsx``.

A domain offers an export in ``<app>/contributions/exportables.py``::

    register(
        Exportable(
            kind="raid-register",
            title="RAID register",
            description="Risks, actions, issues and decisions, with owners and due dates.",
            scope=ENGAGEMENT,
            rows=raid_items_of_engagement,
            columns=(choice("Type", "kind"), text("Title", "title", width=40)),
            position=30,
        )
    )

Nothing else changes: the page lists it, the route serves it, and the registry's test checks
its headers and pins its query count.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from kernel import registry

ENGAGEMENT = "engagement"
PERSONAL = "personal"

# What a column's value may be; the writers format each type (dates as ISO 8601).
CellValue = str | int | decimal.Decimal | datetime.date | datetime.datetime | None


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], CellValue]
    # Width of the XLSX column, in characters.
    width: int = 16


@dataclass(frozen=True)
class Exportable:
    kind: str
    title: str
    description: str
    scope: str
    rows: Callable[..., Any]
    columns: tuple[Column, ...]
    # Where the pages list it among the exports of its scope (lowest first).
    position: int = 0

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def values(self, row: Any) -> list[CellValue]:
        return [column.value(row) for column in self.columns]


def register(exportable: Exportable) -> Exportable:
    """Offer an export (from ``<app>/contributions/exportables.py``): one kind per scope."""
    if exportable.scope not in {ENGAGEMENT, PERSONAL}:
        raise ValueError(f"Unknown export scope {exportable.scope!r}.")
    try:
        return registry.exportables.register(f"{exportable.scope}/{exportable.kind}", exportable)
    except ValueError:
        raise ValueError(
            f"Two exports of kind {exportable.kind!r} in scope {exportable.scope}."
        ) from None


# --- Column builders --------------------------------------------------------------------------
# ``path`` is a dotted attribute path from the row ("phase.engagement.name"); a missing link
# on the way (a null foreign key) gives an empty cell.


def _reader(path: str) -> Callable[[Any], Any]:
    read = attrgetter(path)

    def value(row: Any) -> Any:
        try:
            return read(row)
        except AttributeError:
            return None

    return value


def text(header: str, path: str, *, width: int = 24) -> Column:
    read = _reader(path)

    def value(row: Any) -> str:
        found = read(row)
        return "" if found is None else str(found)

    return Column(header, value, width)


def day(header: str, path: str, *, width: int = 12) -> Column:
    return Column(header, _reader(path), width)


def moment(header: str, path: str, *, width: int = 20) -> Column:
    """A point in time, to the second, in UTC (the header should say so)."""
    read = _reader(path)

    def value(row: Any) -> datetime.datetime | None:
        found = read(row)
        if found is None:
            return None
        return found.astimezone(datetime.UTC).replace(microsecond=0)

    return Column(header, value, width)


def number(header: str, path: str, *, width: int = 12) -> Column:
    read = _reader(path)

    def value(row: Any) -> decimal.Decimal | int | None:
        found = read(row)
        # 85.5000 from a DecimalField reads as 85.5.
        return found.normalize() if isinstance(found, decimal.Decimal) else found

    return Column(header, value, width)


def choice(header: str, path: str, *, width: int = 14) -> Column:
    """The word a person reads (``get_status_display``), not the stored code."""
    owner_path, _, field = path.rpartition(".")
    owner = _reader(owner_path) if owner_path else (lambda row: row)

    def value(row: Any) -> str:
        found = owner(row)
        return "" if found is None else str(getattr(found, f"get_{field}_display")())

    return Column(header, value, width)


def yes_no(header: str, path: str, *, width: int = 10) -> Column:
    read = _reader(path)
    return Column(header, lambda row: "Yes" if read(row) else "No", width)


def person_name(header: str, path: str, *, width: int = 22) -> Column:
    read = _reader(path)

    def value(row: Any) -> str:
        person = read(row)
        return "" if person is None else person.get_full_name() or person.username

    return Column(header, value, width)


def person_email(header: str, path: str, *, width: int = 28) -> Column:
    read = _reader(path)
    return Column(header, lambda row: getattr(read(row), "email", "") or "", width)


def computed(header: str, value: Callable[[Any], CellValue], *, width: int = 16) -> Column:
    return Column(header, value, width)
