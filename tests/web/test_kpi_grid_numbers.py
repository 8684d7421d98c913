"""Numbers typed into the KPI grid as people type them: a decimal comma is read, an ambiguous
thousands comma and a word are refused in the cell, saying what to type."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reporting.models import Kpi, KpiMeasurement, Review

HTMX = {"HTTP_HX_REQUEST": "true"}


def post_value(client, world, value: str):
    review = Review.objects.select_related("engagement").get(day=14)
    kpi = Kpi.objects.get(key="contact-rate")
    client.force_login(world.provider_lead)
    return client.post(
        f"/engagements/{world.engagement.public_id}/reviews/{review.public_id}/measurements/",
        {"kpi": kpi.public_id, "measured_on": "2026-01-18", "value": value},
        **HTMX,
    )


def stored():
    return list(
        KpiMeasurement.objects.filter(measured_on=datetime.date(2026, 1, 18)).values_list(
            "value", flat=True
        )
    )


@pytest.mark.parametrize(
    ("typed", "read"),
    [("12,5", "12.5"), ("-0,25", "-0.25"), ("0,500", "0.5"), (" 12.5 ", "12.5"), ("12", "12")],
)
def test_a_decimal_comma_is_read_as_a_decimal_point(client, world, typed, read):
    response = post_value(client, world, typed)

    assert response.status_code == 200
    assert "Contact rate on 18 Jan saved." in response.content.decode()
    assert stored() == [Decimal(read)]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter a number. Type it like 12.5, with a point or a comma for decimals."),
        ("12,500", "is ambiguous: type 12.5 for twelve and a half, 12500 for twelve"),
        ("1.234,5", "is ambiguous"),
        ("1,2,3", "is ambiguous"),
    ],
)
def test_a_word_or_an_ambiguous_comma_is_refused_in_the_cell(client, world, typed, message):
    response = post_value(client, world, typed)

    assert response.status_code == 400
    html = response.content.decode()
    assert html.strip().startswith("<td") and message in html
    assert f'value="{typed}"' in html  # what was typed stays in the cell
    assert stored() == []
