"""Uploads of the roster and of training results, from a CSV or XLSX file.

Two files, each with a header row (any order, any case; a few usual spellings accepted):

- the roster: external id, name, e-mail, role, wave, site, start date. A row whose external
  id (the provider's HR id) is on the roster changes that person; any other adds one. An
  erased person's row changes nothing.
- results: external id, module (a module's or the certification's key), passed, date, score,
  assessor e-mail, evidence. Each row is one more attempt.

Reading a file never writes. ``preview`` reads and checks every row with the roster's own
rules (``roster.services.clean_person`` and ``check_result``, the same as by hand and over the
API) and names each bad row and column; ``store`` keeps a file that checks clean on the server
(``roster.models.Upload``) and ``commit`` reads and checks the same bytes again, against the
roster as it stands then, and writes every row or none. Row numbers are the file's own (the
header is row 1), so a person finds the row in the spreadsheet they sent.

Why the file stays on the server between preview and commit: the commit then trusts nothing
the browser sends but the upload's id, which only its uploader can use, once, within
``PREVIEW_SECONDS``, in the engagement it was uploaded to. The alternative, signing the
checked rows into the page, sends 5,000 rows to the browser and back and lets an old signed
preview be replayed until it expires.

Writes are bulk: a constant number of statements whatever the number of rows (the people or
results in one insert, their audit events in another, changed people in one update).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.models import Engagement, EngagementMember
from kernel.bulk import insert_many
from kernel.errors import InvalidInput, NotFound, RuleBroken
from kernel.text import size_in_words
from roster.models import Person, Requirement, Result, Upload
from roster.services import (
    check_result,
    clean_person,
    hold_the_gates,
    require_roster_editor,
    roles_of,
    status_after,
    waves_of,
)

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
# An XLSX is a zip: what it unpacks to is bounded too (a small file can unpack to gigabytes).
XLSX_MAX_UNPACKED_RATIO = 50
# Rows read at most, blank ones included (a sheet formatted down to row 1,000,000).
MAX_SHEET_ROWS = 4 * MAX_ROWS
PREVIEW_SECONDS = 3600


class UnreadableFile(InvalidInput):
    """The file as a whole is refused (type, size, sheet, header, formulas); no row is read."""

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"file": [message]})


@dataclass(frozen=True)
class Column:
    key: str  # the field of the service it feeds
    header: str  # how a person names it (the preview's column)
    aliases: tuple[str, ...]
    required: bool = True


PEOPLE = (
    Column("external_id", "external id", ("external id", "hr id", "employee id", "id")),
    Column("name", "name", ("name", "full name")),
    Column("email", "e-mail", ("e mail", "email", "work e mail", "work email")),
    Column("role", "role", ("role",)),
    Column("wave", "wave", ("wave", "wave number")),
    Column("site", "site", ("site", "location"), required=False),
    Column("start_date", "start date", ("start date", "start", "starts on")),
)
RESULTS = (
    Column("external_id", "external id", ("external id", "hr id", "employee id", "id")),
    Column(
        "requirement",
        "module",
        ("module", "certification", "module or certification", "requirement", "key"),
    ),
    Column("passed", "passed", ("passed", "pass", "result")),
    Column("taken_on", "date", ("date", "taken on", "taken_on", "attempt date")),
    Column("score", "score", ("score",), required=False),
    Column("assessor", "assessor e-mail", ("assessor e mail", "assessor email", "assessor")),
    Column("evidence", "evidence", ("evidence",), required=False),
)
COLUMNS = {Upload.Kind.PEOPLE: PEOPLE, Upload.Kind.RESULTS: RESULTS}
SHEETS = {Upload.Kind.PEOPLE: "Roster", Upload.Kind.RESULTS: "Results"}
WHAT = {Upload.Kind.PEOPLE: "roster", Upload.Kind.RESULTS: "results"}


@dataclass(frozen=True)
class RawRow:
    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    number: int
    column: str
    reason: str


@dataclass
class Preview:
    kind: str
    rows: list = field(default_factory=list)  # PlannedPerson or PlannedResult, in file order
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors

    def count(self, effect: str) -> int:
        return sum(1 for row in self.rows if row.effect == effect)


# --- Reading --------------------------------------------------------------------------------


def _normal(header: Any) -> str:
    text = str(header or "").strip().lower().replace("-", " ").replace("_", " ")
    return " ".join(text.split())


def _is_blank(cells: Iterable[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _positions(kind: str, header: list[Any], *, sheet: str | None) -> dict[str, int]:
    columns = COLUMNS[kind]
    names = [_normal(cell) for cell in header]
    positions: dict[str, int] = {}
    for column in columns:
        for index, name in enumerate(names):
            if name in column.aliases and index not in positions.values():
                positions[column.key] = index
                break
    missing = [
        column.header for column in columns if column.required and column.key not in positions
    ]
    if missing:
        where = f"The sheet “{sheet}”" if sheet else "The first row"
        other = COLUMNS[Upload.Kind.RESULTS if kind == Upload.Kind.PEOPLE else Upload.Kind.PEOPLE]
        other_names = {alias for column in other for alias in column.aliases}
        hint = ""
        if sum(1 for name in names if name in other_names) > len(names) // 2:
            hint = f" It looks like a {WHAT[other_kind(kind)]} file: upload it as one."
        raise UnreadableFile(
            f"{where} must name the {WHAT[kind]} columns "
            f"{', '.join(column.header for column in columns if column.required)} "
            f"(missing: {', '.join(missing)}).{hint}"
        )
    return positions


def other_kind(kind: str) -> str:
    return Upload.Kind.RESULTS if kind == Upload.Kind.PEOPLE else Upload.Kind.PEOPLE


def _formula(cell: Any) -> bool:
    return isinstance(cell, str) and cell.startswith("=")


def _rows(kind: str, lines: Iterator[Any], *, sheet: str | None = None) -> list[RawRow]:
    """The file's rows as cells by column key; stops reading at the first row past the limit."""
    header: dict[str, int] | None = None
    headers = {column.key: column.header for column in COLUMNS[kind]}
    rows: list[RawRow] = []
    for number, cells in enumerate(lines, start=1):
        if number > MAX_SHEET_ROWS:
            raise UnreadableFile(
                f"The file has more than {MAX_SHEET_ROWS:,} rows (blank ones included); "
                f"an upload takes at most {MAX_ROWS:,} people or results: split it."
            )
        cells = list(cells)
        if header is None:
            if _is_blank(cells):
                continue
            header = _positions(kind, cells, sheet=sheet)
            continue
        if _is_blank(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise UnreadableFile(
                f"The file has more than {MAX_ROWS:,} rows; an upload takes at most "
                f"{MAX_ROWS:,}: split it."
            )
        row = {key: cells[index] if index < len(cells) else None for key, index in header.items()}
        for key, cell in row.items():
            if _formula(cell):
                raise UnreadableFile(
                    f"Row {number}, column {headers[key]} holds a formula ({str(cell)[:40]}): "
                    "the file must hold values only (paste the values over the formulas)."
                )
        rows.append(RawRow(number, row))
    if header is None:
        raise UnreadableFile("The file is empty.")
    return rows


def read_csv(kind: str, content: bytes) -> list[RawRow]:
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
        return _rows(kind, csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as broken:
        raise UnreadableFile(f"The CSV file cannot be read: {broken}.") from broken


def _sheet_of(kind: str, workbook) -> Any:
    wanted = SHEETS[kind]
    for sheet in workbook.worksheets:
        if sheet.title.strip().lower() == wanted.lower():
            return sheet
    names = ", ".join(f"“{sheet.title}”" for sheet in workbook.worksheets)
    other = SHEETS[other_kind(kind)]
    if any(sheet.title.strip().lower() == other.lower() for sheet in workbook.worksheets):
        raise UnreadableFile(
            f"The workbook has a sheet “{other}” but none named “{wanted}”: is it the "
            f"{WHAT[other_kind(kind)]} file? Upload it as one."
        )
    if len(workbook.worksheets) == 1:
        return workbook.worksheets[0]
    raise UnreadableFile(
        f"The workbook has several sheets ({names}) and none is named “{wanted}”: "
        f"name the sheet to read “{wanted}”."
    )


def read_xlsx(kind: str, content: bytes) -> list[RawRow]:
    from zipfile import BadZipFile, ZipFile

    from openpyxl import load_workbook

    try:
        unpacked = sum(member.file_size for member in ZipFile(io.BytesIO(content)).infolist())
    except BadZipFile as broken:
        raise UnreadableFile("The file is not an Excel workbook (.xlsx).") from broken
    if unpacked > MAX_BYTES * XLSX_MAX_UNPACKED_RATIO:
        raise UnreadableFile("The workbook unpacks to too much data; split it.")
    try:
        # Not data_only: a formula reads as its text ("=B2*2"), so it is refused, never taken
        # for the value a spreadsheet last cached.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as broken:  # openpyxl raises many kinds on a damaged workbook
        raise UnreadableFile("The file is not an Excel workbook (.xlsx).") from broken
    try:
        sheet = _sheet_of(kind, workbook)
        declared = sheet.max_row  # the sheet's own <dimension>, read before any row
        if declared is not None and declared > MAX_SHEET_ROWS:
            raise UnreadableFile(
                f"The sheet “{sheet.title}” has {declared:,} rows; an upload takes at most "
                f"{MAX_ROWS:,} people or results: split it."
            )
        try:
            return _rows(kind, sheet.iter_rows(values_only=True), sheet=sheet.title)
        except (KeyError, ValueError, TypeError) as broken:
            raise UnreadableFile("The workbook's sheet cannot be read.") from broken
    finally:
        workbook.close()


def read_file(kind: str, *, name: str, content: bytes) -> list[RawRow]:
    """The rows of an uploaded file, by its extension (or an XLSX's zip signature)."""
    if len(content) > MAX_BYTES:
        raise UnreadableFile(
            f"The file is {size_in_words(len(content))}; the limit is "
            f"{size_in_words(MAX_BYTES)}. Split it."
        )
    lowered = (name or "").lower()
    if lowered.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return read_xlsx(kind, content)
    if lowered.endswith((".csv", ".txt")):
        return read_csv(kind, content)
    raise UnreadableFile("Upload a .csv or .xlsx file.")


# --- Cells ----------------------------------------------------------------------------------


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # an HR id typed as a number in a spreadsheet
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time(0) else cell.isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return str(cell).strip()


def _day(cell: Any) -> Any:
    if isinstance(cell, datetime.datetime):
        return cell.date() if cell.time() == datetime.time(0) else cell.isoformat()
    if isinstance(cell, datetime.date):
        return cell
    return _text(cell)


def _number(cell: Any) -> Any:
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return _text(cell) if not isinstance(cell, int | float) else cell


YES = {"yes", "y", "true", "pass", "passed", "1"}
NO = {"no", "n", "false", "fail", "failed", "0"}


def _passed(cell: Any) -> Any:
    if isinstance(cell, bool):
        return cell
    word = _text(cell).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    return word  # refused by check_result, naming the column


# --- Checking the roster --------------------------------------------------------------------

FIELD_COLUMNS = {
    "external_id": "external id",
    "name": "name",
    "email": "e-mail",
    "role": "role",
    "wave": "wave",
    "site": "site",
    "start_date": "start date",
    "requirement": "module",
    "passed": "passed",
    "taken_on": "date",
    "score": "score",
    "assessor": "assessor e-mail",
    "evidence": "evidence",
}


def _refusals(number: int, refusal: InvalidInput) -> list[RowError]:
    if not refusal.errors:
        return [RowError(number, "", refusal.message)]
    return [
        RowError(number, FIELD_COLUMNS.get(name, name), message)
        for name, messages in refusal.errors.items()
        for message in messages
    ]


@dataclass
class PlannedPerson:
    number: int
    values: dict[str, Any]
    person: Person | None  # the person this row changes; None: a new one
    effect: str  # new, changed, unchanged, erased


def check_people(*, engagement: Engagement, rows: list[RawRow]) -> Preview:
    """Every row of a roster file, checked: four queries whatever the number of rows."""
    preview = Preview(kind=Upload.Kind.PEOPLE)
    roles = roles_of(engagement)
    waves = waves_of(engagement)
    # Only the people the file names (by HR id or e-mail): the cost follows the file, not the
    # roster it lands in.
    file_ids = {_text(raw.cells.get("external_id")) for raw in rows} - {""}
    file_emails = {_text(raw.cells.get("email")).lower() for raw in rows} - {""}
    existing = {
        person.external_id: person
        for person in Person.objects.filter(engagement=engagement, external_id__in=file_ids)
        .exclude(external_id="")
        .select_related("wave")
    }
    # Who holds an e-mail on a wave now: (wave id, e-mail) -> the person's external id.
    taken: dict[tuple[int, str], str] = {
        (wave_id, email): external_id
        for wave_id, email, external_id in Person.objects.filter(
            engagement=engagement, email__in=file_emails
        ).values_list("wave_id", "email", "external_id")
    }
    seen_ids: dict[str, int] = {}
    seen_emails: dict[tuple[int, str], int] = {}
    for raw in rows:
        cells = raw.cells
        values = {
            "external_id": _text(cells.get("external_id")),
            "name": _text(cells.get("name")),
            "email": _text(cells.get("email")),
            "role": _text(cells.get("role")),
            "wave": _number(cells.get("wave")),
            "site": _text(cells.get("site")),
            "start_date": _day(cells.get("start_date")),
        }
        errors: list[RowError] = []
        if not values["external_id"]:
            errors.append(
                RowError(
                    raw.number, "external id", "Give the person's HR id: results find people by it."
                )
            )
        try:
            cleaned = clean_person(engagement=engagement, values=values, roles=roles, waves=waves)
        except InvalidInput as refusal:
            errors.extend(_refusals(raw.number, refusal))
            cleaned = None
        external_id = values["external_id"]
        if external_id:
            earlier = seen_ids.setdefault(external_id, raw.number)
            if earlier != raw.number:
                errors.append(
                    RowError(
                        raw.number,
                        "external id",
                        f"The HR id {external_id} is already on row {earlier}.",
                    )
                )
        person = existing.get(external_id) if external_id else None
        if cleaned is not None:
            key = (cleaned["wave"].pk, cleaned["email"])
            earlier = seen_emails.setdefault(key, raw.number)
            holder = taken.get(key)
            if earlier != raw.number:
                errors.append(
                    RowError(
                        raw.number,
                        "e-mail",
                        f"{cleaned['email']} is on {cleaned['wave'].label} twice: "
                        f"rows {earlier} and {raw.number}.",
                    )
                )
            elif holder is not None and holder != external_id and not (person and person.erased):
                errors.append(
                    RowError(
                        raw.number,
                        "e-mail",
                        f"{cleaned['email']} is already on {cleaned['wave'].label}"
                        + (f" (HR id {holder})." if holder else "."),
                    )
                )
        if errors:
            preview.errors.extend(errors)
            continue
        if person is None:
            effect = "new"
        elif person.erased:
            effect = "erased"  # a re-upload finds the erased person and changes nothing
        elif any(getattr(person, name) != value for name, value in cleaned.items()):
            effect = "changed"
        else:
            effect = "unchanged"
        preview.rows.append(PlannedPerson(raw.number, cleaned, person, effect))
    return preview


# --- Checking results -----------------------------------------------------------------------


@dataclass
class PlannedResult:
    number: int
    person: Person
    requirement: Requirement
    values: dict[str, Any]
    assessor: User
    attempt: int
    effect: str = "new"


def check_results(*, engagement: Engagement, rows: list[RawRow]) -> Preview:
    """Every row of a results file, checked: four queries whatever the number of rows."""
    preview = Preview(kind=Upload.Kind.RESULTS)
    # Only the people the file names: the cost follows the file, not the roster.
    file_ids = {_text(raw.cells.get("external_id")) for raw in rows} - {""}
    people = {
        person.external_id: person
        for person in Person.objects.filter(engagement=engagement, external_id__in=file_ids)
        .exclude(external_id="")
        .select_related("wave")
    }
    requirements: dict[tuple[str, str], Requirement] = {}
    keys_by_role: dict[str, list[str]] = {}
    for requirement in Requirement.objects.filter(engagement=engagement).exclude(
        kind=Requirement.Kind.SYSTEM
    ):
        requirements[(requirement.role, requirement.key)] = requirement
        keys_by_role.setdefault(requirement.role, []).append(requirement.key)
    # The rule "the assessor is a member of the engagement" (engagements.permissions.
    # check_member), for every row at once: the seated people, by e-mail.
    members = {
        seat.user.email.lower(): seat.user
        for seat in EngagementMember.objects.filter(engagement=engagement).select_related("user")
        if seat.user.email
    }
    attempts = {
        (person_id, requirement_id): last
        for person_id, requirement_id, last in Result.objects.filter(
            person_id__in=[person.pk for person in people.values()]
        )
        .values_list("person_id", "requirement_id")
        .annotate(last=Max("attempt"))
        .order_by()
    }
    today = engagement.today()
    for raw in rows:
        cells = raw.cells
        errors: list[RowError] = []
        external_id = _text(cells.get("external_id"))
        person = people.get(external_id)
        if person is None:
            errors.append(
                RowError(
                    raw.number,
                    "external id",
                    f"No person with the HR id {external_id or '(empty)'} on this roster.",
                )
                if external_id
                else RowError(raw.number, "external id", "Give the person's HR id.")
            )
        elif person.erased:
            errors.append(
                RowError(
                    raw.number, "external id", "This person was erased: no result can be added."
                )
            )
        key = _text(cells.get("requirement"))
        requirement = requirements.get((person.role, key)) if person else None
        if person is not None and requirement is None:
            known = ", ".join(keys_by_role.get(person.role, [])) or "none"
            errors.append(
                RowError(
                    raw.number,
                    "module",
                    f"“{key or '(empty)'}” is not a module or certification of a {person.role} "
                    f"(known: {known}).",
                )
            )
        assessor_email = _text(cells.get("assessor")).lower()
        assessor = members.get(assessor_email)
        if assessor is None:
            errors.append(
                RowError(
                    raw.number,
                    "assessor e-mail",
                    f"{assessor_email} is not a member of the engagement: the assessor must be."
                    if assessor_email
                    else "Name the assessor (their e-mail).",
                )
            )
        values: dict[str, Any] = {}
        try:
            values = check_result(
                person=person,
                requirement=requirement
                or Requirement(kind=Requirement.Kind.MODULE, key=key, name=key),
                passed=_passed(cells.get("passed")),
                taken_on=_day(cells.get("taken_on")),
                score=_number(cells.get("score")),
                evidence=_text(cells.get("evidence")),
                today=today,
            )
        except InvalidInput as refusal:
            errors.extend(_refusals(raw.number, refusal))
        if errors:
            preview.errors.extend(errors)
            continue
        slot = (person.pk, requirement.pk)
        attempts[slot] = attempts.get(slot, 0) + 1
        preview.rows.append(
            PlannedResult(raw.number, person, requirement, values, assessor, attempts[slot])
        )
    return preview


def check(*, kind: str, engagement: Engagement, rows: list[RawRow]) -> Preview:
    checker = check_people if kind == Upload.Kind.PEOPLE else check_results
    preview = checker(engagement=engagement, rows=rows)
    if not preview.rows and not preview.errors:
        raise UnreadableFile(f"The file has a header row but no {WHAT[kind]} rows.")
    return preview


# --- Preview, then commit -------------------------------------------------------------------


def preview(
    *, actor: User, engagement: Engagement, kind: str, name: str, content: bytes
) -> Preview:
    """Read and check a file; write nothing."""
    require_roster_editor(actor=actor, engagement=engagement)
    if kind not in COLUMNS:
        raise InvalidInput(
            "Choose roster or results.", errors={"kind": ["Choose roster or results."]}
        )
    return check(kind=kind, engagement=engagement, rows=read_file(kind, name=name, content=content))


@operation("roster.upload_stored", tenant_of="engagement")
def store(
    *, actor: User, engagement: Engagement, kind: str, name: str, content: bytes
) -> tuple[Preview, Upload | None]:
    """The preview of a file and, when every row checks, the file kept for its commit."""
    checked = preview(actor=actor, engagement=engagement, kind=kind, name=name, content=content)
    now = timezone.now()
    Upload.objects.filter(
        engagement=engagement, uploaded_at__lt=now - datetime.timedelta(seconds=PREVIEW_SECONDS)
    ).delete()
    if not checked.ok:
        return checked, None
    upload = Upload.objects.create(
        tenant_id=engagement.tenant_id,
        engagement=engagement,
        kind=kind,
        file_name=(name or "upload")[-200:],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(checked.rows),
        uploaded_by=actor,
        uploaded_at=now,
    )
    return checked, upload


class ImportRejected(InvalidInput):
    """The rows no longer check (the roster changed since the preview): nothing was written."""

    def __init__(self, checked: Preview) -> None:
        first = checked.errors[0]
        message = (
            f"Nothing was imported: {len(checked.errors)} problem"
            f"{'s' if len(checked.errors) != 1 else ''} since the preview, the first in row "
            f"{first.number} ({first.column}): {first.reason}"
        )
        super().__init__(message, errors={"file": [message]})
        self.preview = checked


@dataclass(frozen=True)
class Imported:
    kind: str
    new: int
    changed: int
    unchanged: int


def upload_of(*, actor: User, engagement: Engagement, public_id: Any) -> Upload:
    """A stored upload that ``actor`` made in ``engagement`` (anyone else's is NotFound)."""
    try:
        upload = (
            Upload.objects.select_for_update()
            .filter(engagement=engagement, uploaded_by=actor, public_id=public_id)
            .first()
        )
    except (ValueError, TypeError):  # a malformed id
        upload = None
    if upload is None:
        raise NotFound("No such upload: it was imported or expired. Upload the file again.")
    return upload


@operation("roster.uploaded", tenant_of="engagement")
def commit(*, actor: User, engagement: Engagement, upload_id: Any) -> Imported:
    """Write a stored upload's rows, checked again now: all of them, or none."""
    require_roster_editor(actor=actor, engagement=engagement)
    # ``request.user`` is a lazy proxy: each of the thousands of rows that name the actor
    # would go through it (a third of a 2,000-row commit's time): name the user itself.
    actor = getattr(actor, "_wrapped", actor)
    upload = upload_of(actor=actor, engagement=engagement, public_id=upload_id)
    if upload.uploaded_at < timezone.now() - datetime.timedelta(seconds=PREVIEW_SECONDS):
        upload.delete()
        raise RuleBroken("The preview has expired; upload the file again.", field="file")
    content = bytes(upload.content)
    if hashlib.sha256(content).hexdigest() != upload.sha256:
        raise RuleBroken("The stored file is damaged; upload it again.", field="file")
    checked = check(
        kind=upload.kind,
        engagement=engagement,
        rows=read_file(upload.kind, name=upload.file_name, content=content),
    )
    if checked.errors:
        raise ImportRejected(checked)
    if upload.kind == Upload.Kind.PEOPLE:
        done = _write_people(actor=actor, engagement=engagement, rows=checked.rows)
    else:
        done = _write_results(actor=actor, engagement=engagement, rows=checked.rows)
    upload.delete()
    return done


PERSON_WRITABLE = ("name", "email", "role", "site", "start_date", "wave")


def _write_people(*, actor: User, engagement: Engagement, rows: list[PlannedPerson]) -> Imported:
    new = [
        Person(tenant_id=engagement.tenant_id, engagement=engagement, **row.values)
        for row in rows
        if row.effect == "new"
    ]
    changed = []
    for row in rows:
        if row.effect != "changed":
            continue
        person = row.person
        person.engagement = engagement
        before = audit.snapshot(person)
        for name in PERSON_WRITABLE:
            setattr(person, name, row.values[name])
        changed.append((person, before))
    if new or changed:
        # New people, or people moved to another wave or role: counted by the gates.
        hold_the_gates(engagement)
    if new:
        insert_many(Person, new)
        audit.record_many_created(actor=actor, instances=new)
    if changed:
        now = timezone.now()
        for person, _before in changed:
            person.updated_at = now
        Person.objects.bulk_update(
            [person for person, _ in changed], [*PERSON_WRITABLE, "updated_at"]
        )
        audit.record_many_updated(actor=actor, changed=changed, note="from an upload")
    return Imported(
        kind=Upload.Kind.PEOPLE,
        new=len(new),
        changed=len(changed),
        unchanged=len(rows) - len(new) - len(changed),
    )


def _write_results(*, actor: User, engagement: Engagement, rows: list[PlannedResult]) -> Imported:
    results = []
    statuses: dict[int, tuple[Person, dict, str]] = {}
    for row in rows:
        person = row.person
        person.engagement = engagement
        results.append(
            Result(
                tenant_id=engagement.tenant_id,
                person=person,
                requirement=row.requirement,
                attempt=row.attempt,
                passed=row.values["passed"],
                taken_on=row.values["taken_on"],
                score=row.values["score"],
                assessor=row.assessor,
                evidence=row.values["evidence"],
                recorded_by=actor,
            )
        )
        current = statuses[person.pk][2] if person.pk in statuses else person.status
        after = status_after(current, kind=row.requirement.kind, passed=row.values["passed"])
        if person.pk not in statuses:
            statuses[person.pk] = (person, audit.snapshot(person), after)
        else:
            statuses[person.pk] = (person, statuses[person.pk][1], after)
    Result.objects.bulk_create(results)
    audit.record_many_created(actor=actor, instances=results)
    moved = []
    now = timezone.now()
    for person, before, status in statuses.values():
        if status != person.status:
            person.status = status
            person.updated_at = now
            moved.append((person, before))
    if moved:
        Person.objects.bulk_update([person for person, _ in moved], ["status", "updated_at"])
        audit.record_many_updated(actor=actor, changed=moved, note="from an upload")
    return Imported(kind=Upload.Kind.RESULTS, new=len(results), changed=0, unchanged=0)
