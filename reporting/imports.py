"""KPI measurements from a CSV or XLSX file: read the rows, then say what is wrong with each.

A file has a header row naming its three columns (``kpi``, ``date``, ``value``; any order,
any case; ``kpi key`` and ``measured_on`` are accepted too) and one measurement per row.
Row numbers are the file's own (the header is row 1), so a person finds the row in the
spreadsheet they sent. Reading never writes: ``reporting.measurements.import_measurements``
writes the rows, and only when ``row_errors`` finds nothing wrong with any of them.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from kernel.text import size_in_words

COLUMNS = ("kpi", "date", "value")
HEADER_NAMES = {
    "kpi": "kpi",
    "kpi key": "kpi",
    "kpi_key": "kpi",
    "key": "kpi",
    "date": "date",
    "measured on": "date",
    "measured_on": "date",
    "day": "date",
    "value": "value",
}
# KpiMeasurement.value: 14 digits, 4 of them decimals.
MAX_VALUE = Decimal("9999999999.9999")


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (wrong type, no header, too big); no row is."""


@dataclass(frozen=True)
class RawRow:
    """One row as the file has it: text, or what the spreadsheet cell holds."""

    number: int
    kpi: Any
    date: Any
    value: Any


@dataclass(frozen=True)
class MeasurementRow:
    """A row that reads as a measurement: a KPI key, a day and a number."""

    number: int
    kpi_key: str
    measured_on: datetime.date
    value: Decimal


@dataclass(frozen=True)
class RowError:
    number: int
    column: str
    reason: str


@dataclass
class Preview:
    rows: list[MeasurementRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


# --- Reading ------------------------------------------------------------------------------------


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _header_positions(header: list[Any]) -> dict[str, int]:
    positions = {}
    for index, cell in enumerate(header):
        name = HEADER_NAMES.get(str(cell or "").strip().lower())
        if name is not None and name not in positions:
            positions[name] = index
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        raise UnreadableFile(
            "The first row must name the columns kpi, date and value "
            f"(missing: {', '.join(missing)})."
        )
    return positions


def _rows(lines: Iterator[list[Any]]) -> list[RawRow]:
    max_rows = settings.KPI_UPLOAD_MAX_ROWS
    header = None
    rows: list[RawRow] = []
    for number, cells in enumerate(lines, start=1):
        cells = list(cells)
        if header is None:
            if _is_blank(cells):
                raise UnreadableFile("The first row must name the columns kpi, date and value.")
            header = _header_positions(cells)
            continue
        if _is_blank(cells):
            continue
        if len(rows) >= max_rows:
            raise UnreadableFile(f"The file has more than {max_rows} rows; split it.")
        cell = {
            column: cells[position] if position < len(cells) else None
            for column, position in header.items()
        }
        rows.append(RawRow(number, cell["kpi"], cell["date"], cell["value"]))
    if header is None:
        raise UnreadableFile("The file is empty.")
    return rows


def read_csv(content: bytes) -> list[RawRow]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as undecodable:
        raise UnreadableFile("The CSV file is not UTF-8 text.") from undecodable
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _rows(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as broken:
        raise UnreadableFile(f"The CSV file cannot be read: {broken}.") from broken


# An XLSX is a zip: what it unpacks to is bounded too (a small file can unpack to gigabytes).
XLSX_MAX_UNPACKED_RATIO = 50


def read_xlsx(content: bytes) -> list[RawRow]:
    from zipfile import BadZipFile, ZipFile

    from openpyxl import load_workbook

    try:
        unpacked = sum(member.file_size for member in ZipFile(io.BytesIO(content)).infolist())
    except BadZipFile as broken:
        raise UnreadableFile("The file is not an Excel workbook (.xlsx).") from broken
    if unpacked > settings.KPI_UPLOAD_MAX_BYTES * XLSX_MAX_UNPACKED_RATIO:
        raise UnreadableFile("The workbook unpacks to too much data; split it.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as broken:
        raise UnreadableFile("The file is not an Excel workbook (.xlsx).") from broken
    try:
        sheet = workbook.worksheets[0]
        return _rows(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_measurement_file(*, name: str, content: bytes) -> list[RawRow]:
    """The rows of an uploaded file, by its extension (or an XLSX's zip signature)."""
    if len(content) > settings.KPI_UPLOAD_MAX_BYTES:
        raise UnreadableFile(
            f"The file is larger than {size_in_words(settings.KPI_UPLOAD_MAX_BYTES)}; split it."
        )
    lowered = name.lower()
    if lowered.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return read_xlsx(content)
    if lowered.endswith((".csv", ".txt")):
        return read_csv(content)
    raise UnreadableFile("Upload a .csv or .xlsx file.")


# --- Checking -----------------------------------------------------------------------------------


def _date(cell: Any) -> datetime.date | None:
    if isinstance(cell, datetime.datetime):
        return cell.date() if cell.time() == datetime.time(0) else None
    if isinstance(cell, datetime.date):
        return cell
    text = str(cell or "").strip()
    if len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _number(cell: Any) -> Decimal | None:
    if isinstance(cell, bool) or cell is None:
        return None
    try:
        number = Decimal(str(cell).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check_rows(rows: Iterable[RawRow], *, kpi_keys: Iterable[str], today: datetime.date) -> Preview:
    """Every row that reads as a measurement, and what is wrong with each that does not:
    an unknown KPI, a bad or future date, a value that is not a number, a repeated row."""
    known = set(kpi_keys)
    good: list[MeasurementRow] = []
    errors: list[RowError] = []
    first_seen: dict[tuple[str, datetime.date], int] = {}
    for row in rows:
        row_errors = []
        key = str(row.kpi or "").strip()
        if not key:
            row_errors.append(RowError(row.number, "kpi", "No KPI key."))
        elif key not in known:
            row_errors.append(RowError(row.number, "kpi", f"Unknown KPI “{key[:80]}”."))
        day = _date(row.date)
        if day is None:
            shown = str(row.date or "").strip()[:40]
            row_errors.append(RowError(row.number, "date", f"Not a date in YYYY-MM-DD: “{shown}”."))
        elif day > today:
            row_errors.append(RowError(row.number, "date", f"{day.isoformat()} is in the future."))
        value = _number(row.value)
        if value is None:
            shown = str("" if row.value is None else row.value).strip()[:40]
            row_errors.append(RowError(row.number, "value", f"Not a number: “{shown}”."))
        elif abs(value) > MAX_VALUE:
            row_errors.append(RowError(row.number, "value", "Too large a number."))
        else:
            value = value.quantize(Decimal("0.0001"))
        if not row_errors:
            earlier = first_seen.setdefault((key, day), row.number)
            if earlier != row.number:
                row_errors.append(
                    RowError(
                        row.number,
                        "kpi",
                        f"Duplicate row: {key} on {day.isoformat()} is already on row {earlier}.",
                    )
                )
        if row_errors:
            errors.extend(row_errors)
        else:
            good.append(MeasurementRow(row.number, key, day, value))
    return Preview(rows=good, errors=errors)


def as_payload(rows: Iterable[MeasurementRow]) -> list[list[Any]]:
    """Rows as plain JSON values, for the signed field that carries a preview to its confirm."""
    return [[row.number, row.kpi_key, row.measured_on.isoformat(), str(row.value)] for row in rows]


def from_payload(payload: Iterable[list[Any]]) -> list[RawRow]:
    return [RawRow(int(number), key, day, value) for number, key, day, value in payload]


def by_key(kpis: Iterable[Any]) -> Mapping[str, Any]:
    return {kpi.key: kpi for kpi in kpis}
