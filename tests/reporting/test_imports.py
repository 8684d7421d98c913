"""Measurement uploads: a preview with every row's problem, then all rows or none."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Event
from engagements.services import change_member
from reporting.imports import RawRow, read_measurement_file
from reporting.measurements import ImportRejected, import_measurements, record_measurement
from reporting.models import Kpi, KpiMeasurement

DAY = datetime.date(2026, 2, 2)


def csv_file(text: str, name: str = "kpis.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "kpis.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload_url(world) -> str:
    return f"/engagements/{world.engagement.public_id}/kpis/upload/"


def confirm_url(world) -> str:
    return f"/engagements/{world.engagement.public_id}/kpis/upload/confirm/"


def signed_rows(response) -> str:
    return re.search(rb'name="rows" value="([^"]+)"', response.content).group(1).decode()


def error_rows(response) -> list[tuple[str, str, str]]:
    """(row, column, problem) of each row in the page's problem table."""
    html = response.content.decode()
    cells = re.findall(
        r'<tr class="table-danger"><td data-label="Row">(\d+)</td>'
        r'<td data-label="Column">(\w+)</td><td data-label="Problem">([^<]+)</td>',
        html,
    )
    return [
        (row, column, problem.replace("&ldquo;", "“").replace("&rdquo;", "”"))
        for row, column, problem in cells
    ]


BAD_ROWS = [
    ["kpi", "date", "value"],
    ["contact-rate", DAY, 31.5],
    ["no-such-kpi", DAY, 12],
    ["show-rate", "2026-13-01", 70],
    ["show-rate", datetime.date(2099, 1, 1), 70],
    ["speed-to-lead", DAY, "fast"],
    ["contact-rate", DAY, 29],
]
EXPECTED_PROBLEMS = [
    ("3", "kpi", "Unknown KPI “no-such-kpi”."),
    ("4", "date", "Not a date in YYYY-MM-DD: “2026-13-01”."),
    ("5", "date", "2099-01-01 is in the future."),
    ("6", "value", "Not a number: “fast”."),
    ("7", "kpi", "Duplicate row: contact-rate on 2026-02-02 is already on row 2."),
]


def test_an_xlsx_with_bad_rows_previews_every_problem_and_imports_nothing(client, world):
    client.force_login(world.provider_lead)
    response = client.post(upload_url(world), {"file": xlsx_file(BAD_ROWS)})

    assert response.status_code == 400
    assert b"Nothing will be imported." in response.content
    assert error_rows(response) == EXPECTED_PROBLEMS
    assert b'name="rows"' not in response.content  # no way to confirm
    assert not KpiMeasurement.objects.exists()


def test_a_csv_with_bad_rows_says_the_same(client, world):
    client.force_login(world.provider_lead)
    text = "\n".join(
        ",".join(str(cell.isoformat() if isinstance(cell, datetime.date) else cell) for cell in row)
        for row in BAD_ROWS
    )
    response = client.post(upload_url(world), {"file": csv_file(text)})
    assert response.status_code == 400
    assert error_rows(response) == EXPECTED_PROBLEMS
    assert not KpiMeasurement.objects.exists()


def test_a_good_xlsx_previews_then_imports_in_one_operation(client, world):
    contact = Kpi.objects.get(key="contact-rate")
    record_measurement(actor=world.provider_lead, kpi=contact, measured_on=DAY, value=Decimal("20"))
    client.force_login(world.provider_lead)
    rows = [["Date", "KPI key", "Value"]]  # any order, any case
    for offset in range(3):
        day = DAY + datetime.timedelta(days=offset)
        rows += [[day, "contact-rate", 31 + offset], [day, "speed-to-lead", "4.5"]]

    preview = client.post(upload_url(world), {"file": xlsx_file(rows)})

    assert preview.status_code == 200
    assert b"6 measurements ready to import" in preview.content
    assert b"1 of them replacing a value already recorded" in preview.content
    assert b"Replaces 20%" in preview.content
    assert KpiMeasurement.objects.count() == 1  # nothing written by the preview

    done = client.post(confirm_url(world), {"rows": signed_rows(preview)}, follow=True)

    assert b"Imported 6 measurements: 5 new, 1 replaced, 0 unchanged." in done.content
    values = dict(KpiMeasurement.objects.filter(kpi=contact).values_list("measured_on", "value"))
    assert values == {
        DAY: Decimal("31"),
        DAY + datetime.timedelta(days=1): Decimal("32"),
        DAY + datetime.timedelta(days=2): Decimal("33"),
    }
    imported = Event.objects.filter(operation="kpi.imported")
    assert imported.values("correlation_id").distinct().count() == 1
    assert imported.filter(object_type="kpi_measurement", action="created").count() == 5
    assert imported.filter(object_type="kpi_measurement", action="updated").count() == 1


def test_the_service_refuses_the_whole_file_for_one_bad_row(world):
    rows = [
        RawRow(2, "contact-rate", "2026-02-02", "31"),
        RawRow(3, "contact-rate", "2026-02-03", "NaN"),
    ]
    with pytest.raises(ImportRejected) as refused:
        import_measurements(actor=world.provider_lead, engagement=world.engagement, rows=rows)
    assert [(e.number, e.column) for e in refused.value.row_errors] == [(3, "value")]
    assert not KpiMeasurement.objects.exists()
    assert not Event.objects.filter(operation="kpi.imported").exists()


def test_a_preview_cannot_be_tampered_with_or_replayed_on_another_engagement(client, world):
    from tests.world import add_engagement

    client.force_login(world.pmo)
    preview = client.post(
        upload_url(world), {"file": csv_file("kpi,date,value\ncontact-rate,2026-02-02,31\n")}
    )
    signed = signed_rows(preview)
    tampered = client.post(confirm_url(world), {"rows": signed[:-3] + "abc"}, follow=True)
    assert b"This preview cannot be used; upload the file again." in tampered.content
    other = add_engagement(world, name="Second desk")
    replayed = client.post(
        f"/engagements/{other.public_id}/kpis/upload/confirm/", {"rows": signed}, follow=True
    )
    assert b"This preview belongs to another engagement." in replayed.content
    assert not KpiMeasurement.objects.exists()


def test_unreadable_and_oversized_files_are_refused_beside_the_field(client, world, settings):
    client.force_login(world.provider_lead)
    no_header = client.post(upload_url(world), {"file": csv_file("contact-rate,2026-02-02,31\n")})
    assert no_header.status_code == 400
    assert b"The first row must name the columns kpi, date and value" in no_header.content
    wrong_type = client.post(upload_url(world), {"file": csv_file("x", name="kpis.pdf")})
    assert b"Upload a .csv or .xlsx file." in wrong_type.content
    settings.KPI_UPLOAD_MAX_BYTES = 100
    too_big = client.post(upload_url(world), {"file": csv_file("kpi,date,value\n" + "x" * 200)})
    assert too_big.status_code == 400
    assert b"the limit is 100 bytes. Split it." in too_big.content
    assert not KpiMeasurement.objects.exists()


def test_too_many_rows_are_refused(settings):
    settings.KPI_UPLOAD_MAX_ROWS = 2
    from reporting.imports import UnreadableFile

    with pytest.raises(UnreadableFile, match="more than 2 rows"):
        read_measurement_file(
            name="k.csv",
            content=b"kpi,date,value\na,2026-01-01,1\na,2026-01-02,1\na,2026-01-03,1\n",
        )


def test_a_semicolon_csv_with_a_bom_reads(world):
    rows = read_measurement_file(
        name="k.csv", content="\ufeffkpi;date;value\ncontact-rate;2026-02-02;31.25\n".encode()
    )
    assert rows == [RawRow(2, "contact-rate", "2026-02-02", "31.25")]


def test_viewers_and_outsiders_cannot_upload(client, world):
    seat = world.engagement.members.get(user=world.client_staff)
    change_member(actor=world.pmo, member=seat, role="viewer")
    client.force_login(world.client_staff)
    assert client.get(upload_url(world)).status_code == 403
    refused = client.post(upload_url(world), {"file": csv_file("kpi,date,value\n")})
    assert refused.status_code == 403
    kpis_page = client.get(f"/engagements/{world.engagement.public_id}/kpis/")
    assert kpis_page.status_code == 200 and b"Upload measurements" not in kpis_page.content

    client.force_login(world.bystander)
    assert client.get(upload_url(world)).status_code == 404
    assert client.post(confirm_url(world), {"rows": "x"}).status_code == 404
    assert not KpiMeasurement.objects.exists()


def test_a_workbook_that_unpacks_to_too_much_is_refused(settings):
    from reporting.imports import UnreadableFile

    rows = [["kpi", "date", "value"]]
    rows += [["contact-rate", "2026-02-02", f"{n:05d}" + "x" * 1000] for n in range(2000)]
    content = xlsx_file(rows).read()
    settings.KPI_UPLOAD_MAX_BYTES = len(content)  # the file itself is within the limit
    with pytest.raises(UnreadableFile, match="unpacks to too much"):
        read_measurement_file(name="big.xlsx", content=content)
