"""Exports of an engagement's milestones and KPI measurements, and of all my milestones, as
CSV and XLSX: what a spreadsheet shows, who may download what, and what it costs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, update_milestone
from reporting.measurements import record_measurement
from reporting.models import Kpi, KpiMeasurement
from tests.exports.conftest import csv_rows, xlsx_rows, xlsx_sheet
from tests.world import add_engagement, complete_milestone

MILESTONE_HEADERS = [
    "Engagement",
    "Phase",
    "Milestone",
    "Side",
    "Owner",
    "Owner e-mail",
    "Due date",
    "Status",
    "Evidence required",
    "Evidence",
    "Evidence link",
    "Completed at (UTC)",
    "Completed by",
    "External ID",
    "Milestone ID",
]
MEASUREMENT_HEADERS = [
    "Engagement",
    "KPI",
    "KPI key",
    "Unit",
    "Direction",
    "Target",
    "Contractual from",
    "Measured on",
    "Value",
    "Target met",
    "Recorded by",
    "Recorded by e-mail",
    "Recorded at (UTC)",
]
FORMULA_TITLE = '=HYPERLINK("http://evil.example","Click")'


def url(world, kind, extension, engagement=None):
    engagement = engagement or world.engagement
    return f"/engagements/{engagement.public_id}/exports/{kind}.{extension}"


def utc_text(moment):
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def expected_milestone_rows(milestones):
    """What a reader expects of each milestone, read from the database."""
    return [
        [
            m.engagement.name,
            m.phase.get_kind_display(),
            ("'" + m.title) if m.title.startswith("=") else m.title,
            m.get_side_display(),
            f"{m.owner.first_name} {m.owner.last_name}",
            m.owner.email,
            m.due_date.isoformat(),
            m.get_status_display(),
            "Yes" if m.evidence_required else "No",
            m.evidence,
            m.evidence_link,
            utc_text(m.completed_at) if m.completed_at else "",
            m.completed_by.get_full_name() if m.completed_by else "",
            m.external_id or "",
            str(m.public_id),
        ]
        for m in milestones
    ]


@pytest.fixture
def worked_on(world):
    """One milestone done with proof and an external id; another titled like a formula."""
    first, second = Milestone.objects.filter(engagement=world.engagement).order_by(
        "due_date", "id"
    )[:2]
    complete_milestone(world, first)
    update_milestone(actor=world.pmo, milestone=first, external_id="JIRA-7")
    update_milestone(actor=world.pmo, milestone=second, title=FORMULA_TITLE)
    return world


@pytest.fixture
def measured(world):
    """Three days of contact rate (one below target) and one day of another KPI."""
    contact = Kpi.objects.get(engagement=world.engagement, key="contact-rate")
    other = Kpi.objects.filter(engagement=world.engagement).exclude(pk=contact.pk).first()
    for day, value in ((19, "31.5"), (20, "29"), (21, "30")):
        record_measurement(
            actor=world.provider_lead,
            kpi=contact,
            measured_on=datetime.date(2026, 1, day),
            value=Decimal(value),
        )
    record_measurement(
        actor=world.pmo, kpi=other, measured_on=datetime.date(2026, 1, 19), value=Decimal("12.25")
    )
    return world


@pytest.mark.dates
def test_milestones_csv_lists_every_milestone_of_the_engagement_as_a_reader_sees_it(
    client, worked_on
):
    world = worked_on
    client.force_login(world.client_lead)

    response = client.get(url(world, "milestones", "csv"))
    assert isinstance(response, StreamingHttpResponse)
    # The body is produced after the view returned: the middleware keeps the request's tenant
    # for it, with none around the test.
    with tenant_context(None):
        rows = csv_rows(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = world.engagement.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="alpha-care-desk-milestones-{today}.csv"'
    )
    milestones = (
        Milestone.objects.filter(engagement=world.engagement)
        .select_related("engagement", "phase", "owner", "completed_by")
        .order_by("phase__position", "due_date", "id")
    )
    assert rows[0] == MILESTONE_HEADERS
    assert rows[1:] == expected_milestone_rows(milestones)
    done = next(row for row in rows if row[13] == "JIRA-7")
    assert done[7] == "Done"
    assert done[9] == "proof"
    assert done[11].endswith("Z")
    # A title that a spreadsheet would run as a formula is kept as text.
    assert [row[2] for row in rows if "HYPERLINK" in row[2]] == ["'" + FORMULA_TITLE]


@pytest.mark.dates
def test_milestones_xlsx_holds_the_same_rows_with_real_dates(client, worked_on):
    world = worked_on
    client.force_login(world.client_lead)

    response = client.get(url(world, "milestones", "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = world.engagement.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="alpha-care-desk-milestones-{today}.xlsx"'
    )
    rows = xlsx_rows(response)
    milestones = (
        Milestone.objects.filter(engagement=world.engagement)
        .select_related("engagement", "phase", "owner", "completed_by")
        .order_by("phase__position", "due_date", "id")
    )
    assert rows[0] == MILESTONE_HEADERS
    assert len(rows) == 1 + milestones.count()
    for row, milestone in zip(rows[1:], milestones, strict=True):
        assert row[0] == "Alpha care desk"
        assert row[1] == milestone.phase.get_kind_display()
        assert row[2] == milestone.title
        assert row[4] == milestone.owner.get_full_name()
        assert row[5] == milestone.owner.email
        assert row[6] == datetime.datetime.combine(milestone.due_date, datetime.time())
        assert row[7] == milestone.get_status_display()
        assert row[14] == str(milestone.public_id)
    done = next(row for row in rows if row[13] == "JIRA-7")
    completed_at = Milestone.objects.get(external_id="JIRA-7").completed_at
    assert done[11] == completed_at.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)


def test_a_formula_title_is_a_text_cell_in_the_workbook(client, worked_on):
    client.force_login(worked_on.pmo)
    sheet = xlsx_sheet(client.get(url(worked_on, "milestones", "xlsx")))
    cells = [row[2] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[2].value)]
    assert [(cell.value, cell.data_type) for cell in cells] == [(FORMULA_TITLE, "s")]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def test_kpi_measurements_csv_and_xlsx_hold_every_value_against_its_target(client, measured):
    world = measured
    client.force_login(world.client_staff)

    rows = csv_rows(client.get(url(world, "kpi-measurements", "csv")))

    measurements = (
        KpiMeasurement.objects.filter(kpi__engagement=world.engagement)
        .select_related("kpi", "recorded_by")
        .order_by("kpi__name", "kpi_id", "measured_on", "id")
    )
    assert rows[0] == MEASUREMENT_HEADERS
    assert rows[1:] == [
        [
            "Alpha care desk",
            m.kpi.name,
            m.kpi.key,
            m.kpi.unit,
            m.kpi.get_direction_display(),
            format(m.kpi.target.normalize(), "f"),
            m.kpi.contractual_from.isoformat() if m.kpi.contractual_from else "",
            m.measured_on.isoformat(),
            format(m.value.normalize(), "f"),
            "Yes" if m.kpi.is_met_by(m.value) else "No",
            m.recorded_by.get_full_name(),
            m.recorded_by.email,
            utc_text(m.recorded_at),
        ]
        for m in measurements
    ]
    contact = [row for row in rows if row[2] == "contact-rate"]
    assert [(row[7], row[8], row[9]) for row in contact] == [
        ("2026-01-19", "31.5", "Yes"),
        ("2026-01-20", "29", "No"),
        ("2026-01-21", "30", "Yes"),
    ]
    assert {row[5] for row in contact} == {"30"}

    sheet_rows = xlsx_rows(client.get(url(world, "kpi-measurements", "xlsx")))
    assert sheet_rows[0] == MEASUREMENT_HEADERS
    assert [(row[2], row[7].date(), float(row[8]), row[9]) for row in sheet_rows[1:]] == [
        (row[2], datetime.date.fromisoformat(row[7]), float(row[8]), row[9]) for row in rows[1:]
    ]


@pytest.mark.dates
def test_the_file_name_is_plain_ascii_whatever_the_engagement_is_called(client, world):
    engagement = add_engagement(world, name='Ålborg café / Zürich "desk"')
    client.force_login(world.pmo)

    response = client.get(url(world, "milestones", "csv", engagement=engagement))

    today = engagement.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="alborg-cafe-zurich-desk-milestones-{today}.csv"'
    )
    assert response["Content-Disposition"].isascii()


def test_the_exports_page_lists_each_export_with_its_rows(client, measured):
    client.force_login(measured.provider_staff)

    response = client.get(f"/engagements/{measured.engagement.public_id}/exports/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Exports of Alpha care desk" in page
    for kind in ("milestones", "kpi-measurements"):
        for extension in ("csv", "xlsx"):
            assert f'href="{url(measured, kind, extension)}"' in page
    assert "<div>37</div>" in page  # milestones
    assert "<div>4</div>" in page  # measurements


@pytest.mark.parametrize(
    "path",
    ["{e}/exports/", "{e}/exports/milestones.csv", "{e}/exports/kpi-measurements.xlsx"],
)
def test_people_outside_the_engagement_get_404(client, world, other_world, rival, path):
    """The rival engagement's own people, a tenant member with no seat, and another tenant's
    PMO: nobody but the engagement's members (and the tenant's PMO and admins) exports it."""
    target = "/engagements/" + path.format(e=world.engagement.public_id)
    rival_lead = rival.members.get(side="provider").user
    for outsider in (rival_lead, world.bystander, other_world.pmo, other_world.admin):
        client.force_login(outsider)
        response = client.get(target)
        assert response.status_code == 404, outsider
        assert b"Alpha care desk" not in response.content


def test_an_unknown_kind_of_export_is_404(client, world):
    client.force_login(world.pmo)
    assert client.get(url(world, "salaries", "csv")).status_code == 404
    assert client.get("/exports/salaries.xlsx").status_code == 404


def test_exports_need_a_signed_in_person(client, world):
    for target in (url(world, "milestones", "csv"), "/exports/my-milestones.csv", "/calendar/"):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- All my milestones -------------------------------------------------------------------------


@pytest.mark.dates
def test_all_my_milestones_holds_only_my_engagements_rows(client, world, other_world, rival):
    client.force_login(world.client_lead)

    response = client.get("/exports/my-milestones.csv")

    rows = csv_rows(response)
    assert rows[0] == MILESTONE_HEADERS
    assert {row[0] for row in rows[1:]} == {"Alpha care desk"}
    assert len(rows) - 1 == Milestone.objects.filter(engagement=world.engagement).count()
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] in {
        f'attachment; filename="alpha-my-milestones-{day}.csv"'
        for day in (today, (datetime.date.today() + datetime.timedelta(days=1)).isoformat())
    }


def test_pmo_gets_every_engagement_of_the_tenant_and_nothing_of_another(
    client, world, other_world, rival
):
    client.force_login(world.pmo)

    rows = xlsx_rows(client.get("/exports/my-milestones.xlsx"))

    assert rows[0] == MILESTONE_HEADERS
    assert {row[0] for row in rows[1:]} == {"Alpha care desk", "Rival desk"}
    assert len(rows) - 1 == Milestone.objects.count()
    with tenant_context(other_world.tenant):
        foreign = set(Milestone.objects.values_list("public_id", flat=True))
    assert not {row[14] for row in rows[1:]} & {str(public_id) for public_id in foreign}


def test_milestones_i_own_are_only_mine(client, world, rival):
    client.force_login(world.provider_lead)

    rows = csv_rows(client.get("/exports/milestones-i-own.csv"))

    mine = Milestone.objects.filter(owner=world.provider_lead)
    assert mine.count() > 0
    assert sorted(row[14] for row in rows[1:]) == sorted(str(m.public_id) for m in mine)
    assert {row[5] for row in rows[1:]} == {world.provider_lead.email}


# --- What it costs -----------------------------------------------------------------------------


def add_milestones(world, count):
    phase = world.engagement.phases.get(kind="tooling")
    for number in range(count):
        create_milestone(
            actor=world.pmo,
            engagement=world.engagement,
            phase=phase,
            title=f"Extra step {number}",
            owner=world.provider_staff,
            side="provider",
            due_date=datetime.date(2026, 2, 1),
        )


def queries_to_download(client, target):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "target",
    [
        "milestones.csv",
        "milestones.xlsx",
        "/exports/my-milestones.csv",
        "/exports/milestones-i-own.xlsx",
    ],
)
def test_milestone_exports_cost_the_same_queries_for_three_times_the_rows(
    client, world, settings, target
):
    # Small chunks: the rows come in several round trips of one query.
    settings.EXPORT_CHUNK_SIZE = 10
    if not target.startswith("/"):
        target = url(world, *target.split("."))
    client.force_login(world.provider_staff)
    client.get("/")  # the session's tenant is chosen once
    add_milestones(world, 20)
    before = queries_to_download(client, target)
    add_milestones(world, 60)
    after = queries_to_download(client, target)
    assert before == after
    assert after <= 8


def test_measurement_exports_cost_the_same_queries_for_three_times_the_rows(
    client, world, settings
):
    settings.EXPORT_CHUNK_SIZE = 10
    client.force_login(world.pmo)
    client.get("/")
    counts = []
    for days in (range(1, 8), range(8, 29)):
        for kpi in Kpi.objects.filter(engagement=world.engagement):
            for day in days:
                record_measurement(
                    actor=world.pmo,
                    kpi=kpi,
                    measured_on=datetime.date(2026, 2, day),
                    value=Decimal(day),
                )
        counts.append(
            (
                queries_to_download(client, url(world, "kpi-measurements", "csv")),
                queries_to_download(client, url(world, "kpi-measurements", "xlsx")),
            )
        )
    assert counts[0] == counts[1]
