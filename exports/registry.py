"""What can be exported: a small registry of column specs, one ``Exportable`` per kind.

An ``Exportable`` names its kind (the URL slug and part of the file name), a title, the
columns (a human header and how to read the value from one row) and ``rows``: the selector
that returns the rows an actor may see, already scoped by tenant and visibility, in order, and
with every related row the columns read joined in (``select_related``), so that exporting
costs the same few queries whatever the number of rows. The writers (``exports.writers``)
turn any exportable into a streamed CSV or an XLSX workbook; the pages list what is
registered, and the tests walk the registry (headers, visibility, query counts).

Two scopes:
- ``ENGAGEMENT``: ``rows(actor=..., engagement=...)``; listed on ``/engagements/<id>/exports/``
  and served at ``/engagements/<id>/exports/<kind>.csv`` and ``.xlsx``. The engagement was
  already found through the actor's visibility (another tenant's or engagement's is a 404).
- ``PERSONAL``: ``rows(actor=...)`` across the active tenant; listed on the calendar and
  exports page, served at ``/exports/<kind>.csv`` and ``.xlsx``.

Plugging in another export (say the RAID register) takes a few lines in
``exports/exportables.py``, which may import every app below this one::

    from registers.models import RaidItem

    register(
        Exportable(
            kind="raid-register",
            title="RAID register",
            description="Risks, actions, issues and decisions, with owners and due dates.",
            scope=ENGAGEMENT,
            rows=lambda *, actor, engagement: RaidItem.objects.visible_to(actor)
            .filter(engagement=engagement)
            .select_related("owner")
            .order_by("due_date", "id"),
            columns=(
                choice("Type", "kind"),
                text("Title", "title", width=40),
                person_name("Owner", "owner"),
                person_email("Owner e-mail", "owner"),
                day("Due date", "due_date"),
                choice("Status", "status"),
            ),
        )
    )

Nothing else changes: the page lists it, the route serves it, and
``tests/exports/test_registry.py`` checks its headers and pins its query count.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

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

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def values(self, row: Any) -> list[CellValue]:
        return [column.value(row) for column in self.columns]


_REGISTRY: dict[tuple[str, str], Exportable] = {}


def register(exportable: Exportable) -> Exportable:
    if exportable.scope not in {ENGAGEMENT, PERSONAL}:
        raise ValueError(f"Unknown export scope {exportable.scope!r}.")
    key = (exportable.scope, exportable.kind)
    if key in _REGISTRY:
        raise ValueError(f"Two exports of kind {exportable.kind!r} in scope {exportable.scope}.")
    _REGISTRY[key] = exportable
    return exportable


def exportables(scope: str) -> list[Exportable]:
    return [exportable for (kind_scope, _), exportable in _REGISTRY.items() if kind_scope == scope]


def exportable(scope: str, kind: str) -> Exportable | None:
    return _REGISTRY.get((scope, kind))


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
