"""Turn any registered export into a file: a streamed CSV, or an XLSX workbook.

Both read the rows with ``.iterator(chunk_size=...)``: the rows are never all in memory, and
as the selector joined in every related row the columns read, the number of queries does not
grow with the rows. Dates are ISO 8601; points in time are in UTC. A text cell is always
text: a title such as ``=SUM(A1)`` or ``+44 ...`` is never run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kernel.exportables import CellValue, Exportable

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows written per chunk of the streamed CSV body.
CSV_ROWS_PER_CHUNK = 200
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _rows(rows: Any) -> Iterator[Any]:
    return rows.iterator(chunk_size=settings.EXPORT_CHUNK_SIZE)


def csv_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def csv_chunks(exportable: Exportable, rows: Any) -> Iterable[str]:
    """The CSV body, a chunk of rows at a time; a byte-order mark first, so that Excel reads
    the names as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(exportable.headers)
    for written, row in enumerate(_rows(rows), start=1):
        writer.writerow([csv_text(value) for value in exportable.values(row)])
        if written % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_cell(sheet: Any, value: CellValue) -> Any:
    if isinstance(value, datetime.datetime):
        # Spreadsheets have no time zones: the header says UTC.
        cell = WriteOnlyCell(sheet, value=value.astimezone(datetime.UTC).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # text, even when it starts with "="
        return cell
    return WriteOnlyCell(sheet, value=value)


def write_xlsx(exportable: Exportable, rows: Any) -> IO[bytes]:
    """The workbook in a temporary file, rewound: one sheet, a bold frozen header row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=exportable.title[:31])
    sheet.freeze_panes = "A2"
    for position, column in enumerate(exportable.columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    bold = Font(bold=True)
    header = []
    for title in exportable.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _rows(rows):
        sheet.append([_xlsx_cell(sheet, value) for value in exportable.values(row)])
    file = tempfile.TemporaryFile()  # noqa: SIM115  (handed to the response, which closes it)
    workbook.save(file)
    file.seek(0)
    return file
