"""The roster with readiness as CSV and XLSX, and the readiness section of the day-14 and
day-30 reports: the same answer as the roster's own readiness rule, only what the reader may
see, an erased person exported as erased."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from reporting.models import Review
from reporting.reports import build_report
from roster import services
from roster.models import Person
from roster.readiness import readiness_of
from roster.standing import is_ready, with_standing
from tests.exports.conftest import csv_rows, xlsx_rows
from tests.roster.world import TODAY, add_people, add_wave, certify_person, give_access, train

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def mixed_roster(world) -> list[Person]:
    """Ana ready, Bea trained and certified without access, Cid certified only, Dan nothing,
    Eve erased after training."""
    wave = add_wave(world)
    people = add_people(world, wave, 5)
    ana, bea, cid, _dan, eve = people
    train(world, ana)
    give_access(world, [ana])
    train(world, bea)
    certify_person(world, cid)
    train(world, eve, certify=False)
    services.erase_person(actor=world.pmo, person=eve, reason="GDPR-3")
    return people


def url(world, extension: str) -> str:
    return f"/engagements/{world.engagement.public_id}/exports/roster.{extension}"


def test_the_standing_in_sql_agrees_with_the_readiness_rule(world):
    mixed_roster(world)
    people = list(Person.objects.filter(engagement=world.engagement).order_by("name"))
    rule = {row.person.pk: row.ready for row in readiness_of(people, engagement=world.engagement)}
    sql = {
        person.pk: is_ready(person)
        for person in with_standing(Person.objects.filter(engagement=world.engagement))
    }
    assert sql == rule
    assert list(sql.values()).count(True) == 1


def test_the_roster_export_carries_readiness_and_shows_an_erased_person_as_erased(client, world):
    mixed_roster(world)
    client.force_login(world.client_lead)
    response = client.get(url(world, "csv"))
    assert response.status_code == 200
    header, *rows = csv_rows(response)
    column = {name: index for index, name in enumerate(header)}
    by_name = {row[column["Name"]]: row for row in rows}
    assert by_name["Agent 01"][column["Ready"]] == "Yes"
    assert by_name["Agent 02"][column["Still needed"]] == "2 of 2 systems"
    assert by_name["Agent 03"][column["Still needed"]] == "5 of 5 modules; 2 of 2 systems"
    erased = by_name["Erased person"]
    assert (erased[column["E-mail"]], erased[column["Erased"]]) == ("", "Yes")
    assert not any("Agent 05" in cell or "agent.05" in cell for row in rows for cell in row)

    sheet = xlsx_rows(client.get(url(world, "xlsx")))
    assert sheet[0] == header
    assert len(sheet) == len(rows) + 1


def test_the_export_costs_the_same_queries_for_5_or_25_people(client, world):
    wave = add_wave(world)
    add_people(world, wave, 5)
    client.force_login(world.pmo)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(url(world, "csv")).streaming_content)
        return len(captured)

    queries()  # the first request of a session reads what later ones find cached
    few = queries()
    add_people(world, wave, 20, prefix="More")
    assert queries() == few


def test_the_export_is_not_found_outside_the_engagement(client, world):
    mixed_roster(world)
    client.force_login(world.bystander)
    assert client.get(url(world, "csv")).status_code == 404


def test_the_day_14_and_day_30_reports_have_a_readiness_section_the_others_do_not(world):
    mixed_roster(world)
    reviews = {review.day: review for review in Review.objects.filter(engagement=world.engagement)}
    document = build_report(review=reviews[14])
    assert ("readiness", "Readiness of the roster") in document.sections
    ((_section, content),) = document.contributed
    (wave,) = content["waves"]
    # Eve was erased but has not left: still counted, with her anonymous results.
    assert (wave.people, wave.trained, wave.certified, wave.provisioned, wave.ready) == (
        5,
        3,
        3,
        1,
        1,
    )
    html = render_to_string(_section.template, {"content": content})
    assert "1 of 5" in html
    assert "readiness" in dict(build_report(review=reviews[30]).sections)
    for day in (60, 90):
        assert "readiness" not in dict(build_report(review=reviews[day]).sections)


def test_a_report_without_a_roster_has_no_readiness_section(world):
    review = Review.objects.get(engagement=world.engagement, day=14)
    assert "readiness" not in dict(build_report(review=review).sections)
