"""Every registered export, whatever its kind (a later one too): listed, served in both
formats with its headers, refused outside the engagement, and cheap in queries."""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.registry import exportables
from kernel.exportables import ENGAGEMENT, PERSONAL, Exportable, register, text
from tests.exports.conftest import csv_rows, xlsx_rows

# The session, its user and tenant, the engagement, the visibility check, the rows: a few,
# never one per row (tests/exports/test_exports.py pins exact counts for more rows).
MAX_QUERIES = 8


def engagement_specs():
    return [pytest.param(spec, id=spec.kind) for spec in exportables(ENGAGEMENT)]


def personal_specs():
    return [pytest.param(spec, id=spec.kind) for spec in exportables(PERSONAL)]


def test_the_registry_offers_the_exports_of_issue_10():
    assert {spec.kind for spec in exportables(ENGAGEMENT)} >= {
        "milestones",
        "kpi-measurements",
        "raid-register",
    }
    assert {spec.kind for spec in exportables(PERSONAL)} >= {"my-milestones"}


def test_the_pages_list_the_exports_in_a_fixed_order():
    assert [spec.kind for spec in exportables(ENGAGEMENT)][:3] == [
        "milestones",
        "kpi-measurements",
        "raid-register",
    ]
    assert [spec.kind for spec in exportables(PERSONAL)][:2] == [
        "my-milestones",
        "milestones-i-own",
    ]


def test_a_kind_is_registered_once_per_scope():
    spec = exportables(ENGAGEMENT)[0]
    with pytest.raises(ValueError, match="Two exports"):
        register(dataclasses.replace(spec, title="Another"))
    with pytest.raises(ValueError, match="Unknown export scope"):
        register(
            Exportable(
                kind="x",
                title="X",
                description="",
                scope="team",
                rows=None,
                columns=(text("A", "a"),),
            )
        )


@pytest.mark.parametrize("spec", engagement_specs())
def test_each_engagement_export_is_listed_and_served_with_its_headers(client, world, spec):
    client.force_login(world.client_lead)
    base = f"/engagements/{world.engagement.public_id}/exports/"
    client.get("/")

    page = client.get(base).content.decode()
    assert spec.title in page

    for extension, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{base}{spec.kind}.{extension}")
            rows = read(response)
        assert response.status_code == 200
        assert list(rows[0]) == spec.headers
        assert len(captured) <= MAX_QUERIES, [query["sql"] for query in captured]


@pytest.mark.parametrize("spec", engagement_specs())
def test_each_engagement_export_is_404_outside_the_engagement(client, world, rival, spec):
    client.force_login(world.client_lead)
    for extension in ("csv", "xlsx"):
        response = client.get(f"/engagements/{rival.public_id}/exports/{spec.kind}.{extension}")
        assert response.status_code == 404


@pytest.mark.parametrize("spec", personal_specs())
def test_each_personal_export_is_offered_and_served_with_its_headers(client, world, spec):
    client.force_login(world.provider_staff)
    client.get("/")

    assert f"/exports/{spec.kind}.csv" in client.get("/calendar/").content.decode()

    for extension, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/exports/{spec.kind}.{extension}")
            rows = read(response)
        assert list(rows[0]) == spec.headers
        assert len(rows) > 1
        assert len(captured) <= MAX_QUERIES
