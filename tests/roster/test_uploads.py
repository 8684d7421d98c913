"""Roster and results uploads as a provider lead meets them: a preview naming each bad row and
column, then all rows written or none, in a constant number of statements."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Event
from roster import imports, services
from roster.models import Person, Result, Upload
from tests.roster.world import TODAY, WAVE_START, add_people, add_wave
from tests.web.pages import text_of

pytestmark = pytest.mark.django_db

ROSTER_HEADER = "external id,name,e-mail,role,wave,site,start date"
RESULTS_HEADER = "external id,module,passed,date,score,assessor e-mail,evidence"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(world, tail: str = "") -> str:
    return f"/engagements/{world.engagement.public_id}/roster/upload/{tail}"


def csv_file(text: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(sheets: dict[str, list[list]], name: str = "roster.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(sheets))


def roster_lines(count: int, *, wave: int = 1, start: int = 1) -> str:
    return "\n".join(
        f"HR-{n:05d},Person {n:05d},person.{n:05d}@example.com,agent,{wave},Lisbon,"
        f"{WAVE_START.isoformat()}"
        for n in range(start, start + count)
    )


def problems(response) -> list[tuple[str, str, str]]:
    html = response.content.decode()
    cells = re.findall(
        r'<tr class="table-danger"><td data-label="Row">(\d+)</td>'
        r'<td data-label="Column">([^<]*)</td><td data-label="Problem">([^<]+)</td>',
        html,
    )
    return [
        (row, column, problem.replace("&ldquo;", "“").replace("&rdquo;", "”"))
        for row, column, problem in cells
    ]


def commit_url(response) -> str:
    return re.search(rb'action="([^"]+/upload/[0-9a-f-]{36}/)"', response.content).group(1).decode()


def preview(client, world, upload, kind: str = "people"):
    client.force_login(world.provider_lead)
    return client.post(url(world), {"kind": kind, "file": upload})


# --- A good round ---------------------------------------------------------------------------


def test_a_roster_file_is_previewed_then_written_whole_with_its_audit_events(client, world):
    add_wave(world)
    text = f"{ROSTER_HEADER}\n{roster_lines(3)}\n"
    response = preview(client, world, csv_file(text))
    assert response.status_code == 200
    assert "3 rows ready to import: 3 new, 0 changed, 0 unchanged" in text_of(response)
    assert not Person.objects.exists()  # the preview writes nothing

    target = commit_url(response)
    response = client.post(target)
    assert response.status_code == 302
    people = Person.objects.filter(engagement=world.engagement).order_by("external_id")
    assert [(p.external_id, p.name, p.wave.number, p.site) for p in people] == [
        ("HR-00001", "Person 00001", 1, "Lisbon"),
        ("HR-00002", "Person 00002", 1, "Lisbon"),
        ("HR-00003", "Person 00003", 1, "Lisbon"),
    ]
    created = Event.objects.filter(object_type="roster_person", action="created")
    assert created.count() == 3
    assert not any("Person 0000" in e.object_label + str(e.snapshot) for e in created)
    assert not Upload.objects.exists()
    assert client.post(target).status_code == 404  # a preview is committed once


def test_a_second_upload_changes_people_by_hr_id_and_leaves_an_erased_one_alone(client, world):
    wave = add_wave(world)
    ana, bea = add_people(world, wave, 2)
    services.erase_person(actor=world.pmo, person=bea, reason="GDPR-1")
    text = (
        f"{ROSTER_HEADER}\n"
        f"{ana.external_id},Ana Renamed,{ana.email},agent,1,Porto,{WAVE_START}\n"
        f"{bea.external_id},Bea Again,bea@example.com,agent,1,Porto,{WAVE_START}\n"
        f"HR-NEW,Cid New,cid@example.com,agent,1,,{WAVE_START}\n"
    )
    response = preview(client, world, csv_file(text))
    assert "1 new, 1 changed, 0 unchanged, 1 erased (left as they are)" in text_of(response)
    client.post(commit_url(response))
    ana.refresh_from_db()
    bea.refresh_from_db()
    assert (ana.name, ana.site) == ("Ana Renamed", "Porto")
    assert bea.name == "Erased person" and bea.erased
    assert Person.objects.filter(external_id="HR-NEW").exists()
    change = Event.objects.get(object_id=str(ana.public_id), note="from an upload")
    assert change.changes == {"site": ["", "Porto"]}  # the name is never in the trail


def test_a_results_workbook_records_attempts_and_certifies(client, world):
    wave = add_wave(world)
    ana, bea = add_people(world, wave, 2)
    assessor = world.provider_staff.email
    day = datetime.date(2026, 1, 30)
    rows = [
        ["External ID", "Module", "Passed", "Date", "Score", "Assessor e-mail", "Evidence"],
        [ana.external_id, "certification", "no", day, 60, assessor, ""],
        [ana.external_id, "certification", "yes", day, 88, assessor, "LMS 12"],
        [bea.external_id, "script-delivery", True, day, None, assessor, None],
    ]
    response = preview(
        client, world, xlsx_file({"Results": rows}, name="results.xlsx"), kind="results"
    )
    assert response.status_code == 200, problems(response)
    client.post(commit_url(response))
    assert [(r.attempt, r.passed, r.score) for r in ana.results.order_by("attempt")] == [
        (1, False, 60),
        (2, True, 88),
    ]
    ana.refresh_from_db()
    bea.refresh_from_db()
    assert (ana.status, bea.status) == ("certified", "in_training")
    assert Event.objects.filter(object_type="roster_result", action="created").count() == 3


def test_commit_costs_a_constant_number_of_statements(client, world):
    add_wave(world)

    def statements(count: int, start: int) -> int:
        response = preview(
            client, world, csv_file(f"{ROSTER_HEADER}\n{roster_lines(count, start=start)}\n")
        )
        target = commit_url(response)
        with CaptureQueriesContext(connection) as queries:
            assert client.post(target).status_code == 302
        return len(queries)

    assert statements(3, start=1) == statements(60, start=100)
    assert Person.objects.count() == 63


# --- Bad rows, named by row and column ------------------------------------------------------


def test_the_preview_names_each_bad_row_and_column_and_nothing_is_written(client, world):
    wave = add_wave(world)
    (ana,) = add_people(world, wave, 1)
    text = (
        f"{ROSTER_HEADER}\n"
        f"HR-1,Good Person,good@example.com,agent,1,,{WAVE_START}\n"
        f"HR-2,Bad Role,bad.role@example.com,astronaut,1,,{WAVE_START}\n"
        f"HR-3,,no-email,agent,7,,someday\n"
        f"HR-4,Twin One,twin@example.com,agent,1,,{WAVE_START}\n"
        f"HR-5,Twin Two,twin@example.com,agent,1,,{WAVE_START}\n"
        f"HR-6,Taken,{ana.email},agent,1,,{WAVE_START}\n"
    )
    response = preview(client, world, csv_file(text))
    assert response.status_code == 400
    found = problems(response)
    columns = {(row, column) for row, column, _ in found}
    assert any(
        (row, column) == ("3", "role") and "“astronaut” is not a role of this roster" in problem
        for row, column, problem in found
    )
    assert {("4", "name"), ("4", "e-mail"), ("4", "wave"), ("4", "start date")} <= columns
    assert ("6", "e-mail", "twin@example.com is on Wave 1 twice: rows 5 and 6.") in found
    assert any(
        row == "7" and column == "e-mail" and "already on Wave 1" in problem
        for row, column, problem in found
    )
    assert ("2", "role") not in columns
    assert "Nothing will be imported" in text_of(response)
    assert Person.objects.count() == 1 and not Upload.objects.exists()


def test_bad_result_rows_are_named_unknown_module_future_date_stranger_assessor(client, world):
    wave = add_wave(world)
    (ana,) = add_people(world, wave, 1)
    future = (TODAY.date() + datetime.timedelta(days=1)).isoformat()
    text = (
        f"{RESULTS_HEADER}\n"
        f"{ana.external_id},cold-calling,yes,2026-01-30,,{world.provider_staff.email},\n"
        f"{ana.external_id},certification,yes,{future},90,{world.provider_staff.email},\n"
        f"{ana.external_id},certification,maybe,2026-01-30,70,{world.bystander.email},\n"
        f"HR-NOBODY,certification,yes,2026-01-30,90,{world.provider_staff.email},\n"
    )
    response = preview(client, world, csv_file(text, "results.csv"), kind="results")
    assert response.status_code == 400
    found = problems(response)
    columns = {(row, column) for row, column, _ in found}
    assert ("2", "module") in columns
    assert ("3", "date") in columns
    assert any("in the future" in problem for row, _, problem in found if row == "3")
    assert {("4", "passed"), ("4", "assessor e-mail")} <= columns
    assert ("5", "external id") in columns
    assert not Result.objects.exists()


# --- Whole files refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (
            lambda: xlsx_file(
                {
                    "Roster": [
                        ["external id", "name", "e-mail", "role", "wave", "site", "start date"],
                        ["HR-1", "Ana", "ana@example.com", "agent", "=1+0", "", WAVE_START],
                    ]
                }
            ),
            "Row 2, column wave holds a formula (=1+0)",
        ),
        (
            lambda: csv_file(f'{ROSTER_HEADER}\nHR-1,=HYPERLINK("x"),a@example.com,agent,1,,'),
            "Row 2, column name holds a formula",
        ),
        (
            lambda: xlsx_file({"Sheet1": [["a"]], "Notes": [["b"]]}),
            "none is named “Roster”",
        ),
        (
            lambda: xlsx_file({"Results": [["external id", "module", "passed"]]}),
            "is it the results file?",
        ),
        (
            lambda: csv_file(f"{RESULTS_HEADER}\n"),
            "must name the roster columns",
        ),
        (lambda: SimpleUploadedFile("roster.pdf", b"%PDF-1.4"), "Upload a .csv or .xlsx file."),
        (lambda: csv_file(f"{ROSTER_HEADER}\n"), "a header row but no roster rows"),
    ],
)
def test_a_file_with_formulas_or_the_wrong_sheet_is_refused_whole(client, world, upload, words):
    add_wave(world)
    response = preview(client, world, upload())
    assert response.status_code == 400
    assert words in text_of(response)
    assert not Person.objects.exists() and not Upload.objects.exists()


def test_more_than_5000_rows_is_refused(client, world):
    add_wave(world)
    response = preview(client, world, csv_file(f"{ROSTER_HEADER}\n{roster_lines(5001)}\n"))
    assert response.status_code == 400
    assert "The file has more than 5,000 rows; an upload takes at most 5,000: split it." in (
        text_of(response)
    )
    assert not Person.objects.exists()


def huge_workbook(rows: int) -> bytes:
    """An XLSX of ``rows`` rows, written as XML directly (openpyxl would take a minute)."""
    small = xlsx_bytes({"Roster": [["external id"]]})
    source = zipfile.ZipFile(io.BytesIO(small))
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>HR-{n}</t></is></c></row>'
        for n in range(2, rows + 1)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:G{rows}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>external id</t></is></c></row>'
        f"{body}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_of_100000_rows_is_refused_before_its_rows_are_read(client, world, monkeypatch):
    add_wave(world)
    read = []
    original = imports._rows
    monkeypatch.setattr(imports, "_rows", lambda *a, **k: read.append(1) or original(*a, **k))
    content = huge_workbook(100_000)
    assert len(content) < imports.MAX_BYTES
    response = preview(client, world, SimpleUploadedFile("roster.xlsx", content))
    assert response.status_code == 400
    assert "The sheet “Roster” has 100,000 rows; an upload takes at most 5,000" in text_of(response)
    assert read == []  # refused from the sheet's declared size, no row read


def test_a_csv_of_100000_rows_is_refused_by_its_size(client, world):
    add_wave(world)
    response = preview(client, world, csv_file(f"{ROSTER_HEADER}\n{roster_lines(100_000)}\n"))
    assert response.status_code == 400
    assert "the limit is 2 MB. Split it." in text_of(response)


# --- The stored preview ---------------------------------------------------------------------


def test_a_preview_is_checked_again_at_commit_and_only_its_uploader_may_commit_it(client, world):
    wave = add_wave(world)
    response = preview(client, world, csv_file(f"{ROSTER_HEADER}\n{roster_lines(2)}\n"))
    target = commit_url(response)

    client.force_login(world.pmo)  # another editor: not their upload
    assert client.post(target).status_code == 404
    client.force_login(world.client_lead)  # not a roster editor
    assert client.post(target).status_code == 403

    # Meanwhile somebody adds the first person by hand: the commit names the clash.
    services.add_person(
        actor=world.provider_lead,
        engagement=world.engagement,
        name="By hand",
        email="person.00001@example.com",
        role="agent",
        wave=wave.number,
        start_date=WAVE_START,
        external_id="HR-HAND",
    )
    client.force_login(world.provider_lead)
    response = client.post(target)
    assert response.status_code == 400
    assert "person.00001@example.com is already on Wave 1 (HR id HR-HAND)" in text_of(response)
    assert Person.objects.count() == 1


def test_a_preview_expires(client, world):
    add_wave(world)
    response = preview(client, world, csv_file(f"{ROSTER_HEADER}\n{roster_lines(1)}\n"))
    target = commit_url(response)
    with time_machine.travel(TODAY + datetime.timedelta(hours=2), tick=False):
        response = client.post(target, follow=True)
    assert "The preview has expired; upload the file again." in text_of(response)
    assert not Person.objects.exists()


def test_the_upload_page_is_for_roster_editors(client, world):
    client.force_login(world.client_lead)
    assert client.get(url(world)).status_code == 403
    client.force_login(world.provider_lead)
    page = client.get(url(world))
    assert page.status_code == 200
    assert "external id,name,e-mail,role,wave,site,start date" in text_of(page)
