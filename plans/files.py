"""Reading a plan file (CSV or XLSX) into its header and rows, and guessing which of its
columns holds which field of the plan. Nothing here reads the database.

The limits and the refusals are the roster's (``roster.imports``): at most ``MAX_ROWS`` rows
and ``MAX_BYTES``, values only (a formula is refused), an XLSX bounded in what it unpacks to.
Row numbers are the file's own (the header is row 1), so a PMO finds the row they must fix.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kernel.errors import InvalidInput
from kernel.text import size_in_words

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
XLSX_MAX_UNPACKED_RATIO = 50
MAX_SHEET_ROWS = 4 * MAX_ROWS
SHEET = "Plan"


class UnreadableFile(InvalidInput):
    """The file as a whole is refused (type, size, rows, formulas); no row is checked."""

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"file": [message]})


@dataclass(frozen=True)
class Field:
    key: str
    header: str  # how the preview names the column
    aliases: tuple[str, ...]
    required: bool = True


FIELDS = (
    Field("phase", "phase", ("phase", "phase kind", "stage", "workstream phase")),
    Field("title", "milestone", ("milestone", "title", "task", "name", "milestone name", "step")),
    Field(
        "owner",
        "owner",
        ("owner e mail", "owner email", "owner", "email", "e mail", "responsible", "assignee"),
    ),
    Field("side", "side", ("side", "party", "owner side")),
    Field(
        "due",
        "due date or day",
        ("due date", "due", "date", "due day", "day", "day offset", "offset", "deadline"),
    ),
    Field(
        "depends_on",
        "depends on",
        ("depends on", "dependencies", "predecessors", "after", "dependency"),
        required=False,
    ),
    Field(
        "evidence_required",
        "evidence required",
        ("evidence required", "evidence", "proof required", "needs evidence"),
        required=False,
    ),
    Field(
        "external_id",
        "external id",
        ("external id", "id", "key", "ref", "reference", "external ref", "milestone id"),
        required=False,
    ),
)
FIELD_BY_KEY = {field.key: field for field in FIELDS}


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (the file's row number, its cells)


def normal(header: Any) -> str:
    text = str(header or "").strip().lower().replace("-", " ").replace("_", " ")
    return " ".join(text.split())


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """Each field's column, by name: the first alias that a column is called, each column
    taken once (the PMO corrects the rest on the mapping form)."""
    names = [normal(cell) for cell in header]
    taken: set[int] = set()
    mapping: dict[str, int | None] = {}
    for field in FIELDS:
        mapping[field.key] = None
        for alias in field.aliases:
            index = next(
                (i for i, name in enumerate(names) if name == alias and i not in taken), None
            )
            if index is not None:
                mapping[field.key] = index
                taken.add(index)
                break
    return mapping


def _is_blank(cells: list[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _sheet(lines: Iterator[Any]) -> Sheet:
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(lines, start=1):
        if number > MAX_SHEET_ROWS:
            raise UnreadableFile(
                f"The file has more than {MAX_SHEET_ROWS:,} rows (blank ones included); a plan "
                f"takes at most {MAX_ROWS:,} milestones: split it."
            )
        cells = list(cells)
        if _is_blank(cells):
            continue
        if header is None:
            header = [str(cell).strip() if cell is not None else "" for cell in cells]
            continue
        if len(rows) >= MAX_ROWS:
            raise UnreadableFile(
                f"The file has more than {MAX_ROWS:,} milestone rows; a plan takes at most "
                f"{MAX_ROWS:,}: split it."
            )
        for position, cell in enumerate(cells):
            if isinstance(cell, str) and cell.startswith("="):
                raise UnreadableFile(
                    f"Row {number}, column {position + 1} holds a formula ({cell[:40]}): the "
                    "file must hold values only (paste the values over the formulas)."
                )
        rows.append((number, cells))
    if header is None:
        raise UnreadableFile("The file is empty.")
    if not rows:
        raise UnreadableFile("The file has a header row but no milestones.")
    return Sheet(header, rows)


def read_csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as undecodable:
        raise UnreadableFile("The CSV file is not UTF-8 text.") from undecodable
    if "\x00" in text:
        raise UnreadableFile("The CSV file holds a NUL character: is it really a CSV file?")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _sheet(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as broken:
        raise UnreadableFile(f"The CSV file cannot be read: {broken}.") from broken


def read_xlsx(content: bytes) -> Sheet:
    from zipfile import BadZipFile, ZipFile

    from openpyxl import load_workbook

    try:
        unpacked = sum(member.file_size for member in ZipFile(io.BytesIO(content)).infolist())
    except BadZipFile as broken:
        raise UnreadableFile("The file is not an Excel workbook (.xlsx).") from broken
    if unpacked > MAX_BYTES * XLSX_MAX_UNPACKED_RATIO:
        raise UnreadableFile("The workbook unpacks to too much data; split it.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as broken:  # openpyxl raises many kinds on a damaged workbook
        raise UnreadableFile("The file is not an Excel workbook (.xlsx).") from broken
    try:
        sheets = workbook.worksheets
        sheet = next((s for s in sheets if s.title.strip().lower() == SHEET.lower()), None)
        if sheet is None:
            if len(sheets) != 1:
                names = ", ".join(f"“{s.title}”" for s in sheets)
                raise UnreadableFile(
                    f"The workbook has several sheets ({names}) and none is named “{SHEET}”: "
                    f"name the sheet to read “{SHEET}”."
                )
            sheet = sheets[0]
        declared = sheet.max_row
        if declared is not None and declared > MAX_SHEET_ROWS:
            raise UnreadableFile(
                f"The sheet “{sheet.title}” has {declared:,} rows; a plan takes at most "
                f"{MAX_ROWS:,} milestones: split it."
            )
        try:
            return _sheet(sheet.iter_rows(values_only=True))
        except (KeyError, ValueError, TypeError) as broken:
            raise UnreadableFile("The workbook's sheet cannot be read.") from broken
    finally:
        workbook.close()


def read_file(*, name: str, content: bytes) -> Sheet:
    if len(content) > MAX_BYTES:
        raise UnreadableFile(
            f"The file is {size_in_words(len(content))}; the limit is "
            f"{size_in_words(MAX_BYTES)}. Split it."
        )
    lowered = (name or "").lower()
    if lowered.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return read_xlsx(content)
    if lowered.endswith((".csv", ".txt")):
        return read_csv(content)
    raise UnreadableFile("Upload a .csv or .xlsx file.")


# --- Cells ----------------------------------------------------------------------------------


def text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time(0) else cell.isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    value = str(cell).strip()
    # Our own CSV export quotes a text that a spreadsheet would take for a formula.
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        value = value[1:]
    return value
