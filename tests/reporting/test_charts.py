"""Charts are SVG drawn on the server: valid XML, named after the KPI, no script."""

import datetime
from decimal import Decimal
from xml.etree import ElementTree

from reporting import charts
from reporting.kpi_selectors import measurements_until, weekly_trend
from reporting.measurements import record_measurement
from reporting.models import Kpi
from tests.reporting.story import measure_first_days

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart) -> ElementTree.Element:
    return ElementTree.fromstring(chart.svg)  # noqa: S314 - our own output


def test_a_kpi_chart_is_valid_svg_naming_the_kpi_and_its_target(world):
    measure_first_days(world, days=40)
    kpi = Kpi.objects.get(key="speed-to-lead")
    chart = charts.kpi_chart(kpi, measurements_until(kpi=kpi), weekly_trend(kpi=kpi))

    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Speed to lead against its target of 5 minutes"
    assert root.find(f"{SVG}title").text == "Speed to lead against its target of 5 minutes"
    legend = [text.text for text in root.iter(f"{SVG}text")]
    assert {"Daily value", "Weekly mean", "Target"} <= set(legend)
    assert not list(root.iter(f"{SVG}script"))
    assert "<script" not in str(chart) and "javascript" not in str(chart).lower()
    small = parse(chart.small)
    assert small.get("aria-label") == root.get("aria-label")
    assert small.get("viewBox") == "0 0 400 330"
    assert "Speed to lead: target ≤ 5 minutes" in [text.text for text in small.iter(f"{SVG}text")]


def test_a_trend_chart_is_valid_svg_with_one_point_per_iso_week(world):
    measure_first_days(world, days=28)
    kpi = Kpi.objects.get(key="contact-rate")
    trend = weekly_trend(kpi=kpi)
    root = parse(charts.trend_chart(kpi, trend))
    assert root.find(f"{SVG}title").text == "Weekly trend of Contact rate (mean per ISO week)"
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert [week.short_label for week in trend] == [
        label for label in labels if label and label[:1] == "W" and label[1:].isdigit()
    ]
    assert len(trend) == 5  # 6 Jan (Tuesday) to 2 Feb (Monday): five ISO weeks


def test_the_pdf_form_is_the_same_svg_as_an_image(world):
    kpi = Kpi.objects.get(key="contact-rate")
    record_measurement(
        actor=world.provider_lead,
        kpi=kpi,
        measured_on=datetime.date(2026, 2, 2),
        value=Decimal("25"),
    )
    chart = charts.kpi_chart(kpi, measurements_until(kpi=kpi), weekly_trend(kpi=kpi))
    assert str(chart.image).startswith('<img class="chart-image" alt="Contact rate against')
    assert "data:image/svg+xml;base64," in str(chart.image)


def test_no_measurements_no_chart(world):
    kpi = Kpi.objects.get(key="contact-rate")
    assert charts.kpi_chart(kpi, [], []) is None
    assert charts.trend_chart(kpi, []) is None
