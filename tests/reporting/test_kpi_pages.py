"""The KPI overview and the KPI page: what a person sees, and in how many queries."""

import datetime
import re
from decimal import Decimal

import time_machine

from reporting.imports import RawRow
from reporting.kpis import define_kpi
from reporting.measurements import import_measurements
from reporting.models import Kpi
from tests.reporting.story import measure_first_days, publish_day_30


def kpis_url(world) -> str:
    return f"/engagements/{world.engagement.public_id}/kpis/"


def cells(response, label: str) -> list[str]:
    html = response.content.decode()
    found = re.findall(rf'<td data-label="{label}">(.*?)</td>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", cell).split("\n")[0].strip() for cell in found]


def show_rate_drifting(world) -> None:
    """Show rate on target but worse three weeks in a row (seed 001's slow decline)."""
    monday = datetime.date(2026, 3, 2)
    rows = []
    for week, mean in enumerate(("78", "76", "74", "72")):
        for day in range(7):
            measured_on = monday + datetime.timedelta(weeks=week, days=day)
            rows.append(RawRow(len(rows) + 2, "show-rate", measured_on.isoformat(), mean))
    import_measurements(actor=world.provider_lead, engagement=world.engagement, rows=rows)


def test_the_overview_lists_each_kpi_with_its_latest_week_and_the_drift(client, world):
    show_rate_drifting(world)
    client.force_login(world.client_lead)
    response = client.get(kpis_url(world))

    assert response.status_code == 200
    assert cells(response, "KPI") == [
        "Contact rate",
        "Qualification rate on contacted leads",
        "Show rate on transferred prospects",
        "Speed to lead",
        "Transfer-set rate on qualified contacts",
    ]
    assert cells(response, "Target") == ["≥ 30%", "≥ 35%", "≥ 70%", "≤ 5 minutes", "≥ 60%"]
    latest = dict(zip(cells(response, "KPI"), cells(response, "Last complete week"), strict=True))
    assert latest["Show rate on transferred prospects"].startswith("72% 2026-W13")
    assert latest["Contact rate"] == "No data"
    html = response.content.decode()
    assert "Drift alerts" in html
    assert (
        "Show rate on transferred prospects</a>: worse three weeks running since the week of "
        "23 Mar 2026."
    ) in html
    assert "Upload measurements" in html  # the client lead may upload


def test_the_number_and_the_status_come_from_the_same_week(client, world):
    """Contact rate: three complete weeks at 25% (below its 30% target), then 33% so far
    in the week in progress. The overview shows one week's mean with that week's status."""
    monday = datetime.date(2026, 3, 2)
    rows = []
    for day in range(21 + 3):
        value = "25" if day < 21 else "33"
        measured_on = (monday + datetime.timedelta(days=day)).isoformat()
        rows.append(RawRow(len(rows) + 2, "contact-rate", measured_on, value))
    with time_machine.travel(datetime.datetime(2026, 3, 25, 12), tick=False):
        import_measurements(actor=world.provider_lead, engagement=world.engagement, rows=rows)
        client.force_login(world.client_lead)
        response = client.get(kpis_url(world))

    assert cells(response, "KPI")[0] == "Contact rate"
    row = {label: cells(response, label)[0] for label in ("Last complete week", "Status", "Drift")}
    assert row["Last complete week"].startswith("25% 2026-W12")
    assert row["Status"] == "Below target"
    assert row["Drift"].startswith("Below target since")
    assert "33%" not in response.content.decode().split("kpi-heading")[1].split("</table>")[0]
    assert "last complete week (Monday to Sunday), and its status from that same mean" in (
        response.content.decode()
    )


def test_the_kpi_page_shows_its_chart_trend_and_alerts(client, world):
    show_rate_drifting(world)
    kpi = Kpi.objects.get(key="show-rate")
    client.force_login(world.provider_lead)
    response = client.get(f"{kpis_url(world)}{kpi.public_id}/")

    assert response.status_code == 200
    html = response.content.decode()
    # Two charts, each in a wide and a phone size.
    assert html.count('class="pygal-chart kpi-chart') == 4
    assert html.count('<div class="chart-small">') == 2
    assert 'aria-label="Show rate on transferred prospects against its target of 70%"' in html
    assert [week.split(" (")[0] for week in cells(response, "Week")] == [
        "2026-W13",
        "2026-W12",
        "2026-W11",
        "2026-W10",
    ]
    assert cells(response, "Movement") == ["Worse", "Worse", "Worse", "\u2013"]
    assert "Worse three weeks running</strong> from the week of 23 Mar 2026" in html


def test_a_kpi_without_data_says_so(client, world):
    kpi = Kpi.objects.get(key="contact-rate")
    client.force_login(world.pmo)
    html = client.get(f"{kpis_url(world)}{kpi.public_id}/").content.decode()
    assert "No measurements yet" in html and "No drift so far" in html


def test_the_overview_lists_published_reports(client, world):
    measure_first_days(world, days=35)
    review = publish_day_30(world)
    client.force_login(world.pmo)
    html = client.get(kpis_url(world)).content.decode()
    assert f'href="{kpis_url(world)}reports/{review.public_id}/">Read the report</a>' in html
    assert html.count("After publication") == 4


def test_the_overview_and_kpi_page_queries_do_not_grow_with_rows(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.pmo)
    kpi = Kpi.objects.get(key="speed-to-lead")
    measure_first_days(world, days=14)
    client.get(kpis_url(world))  # warm the session
    with django_assert_max_num_queries(12) as small:
        client.get(kpis_url(world))
    with django_assert_max_num_queries(12) as small_kpi:
        client.get(f"{kpis_url(world)}{kpi.public_id}/")
    measure_first_days(world, days=60)
    for n in range(3):
        define_kpi(
            actor=world.pmo,
            engagement=world.engagement,
            key=f"extra-{n}",
            name=f"Extra {n}",
            target=Decimal("1"),
            direction="higher",
        )
    with django_assert_max_num_queries(len(small)) as large:
        client.get(kpis_url(world))
    with django_assert_max_num_queries(len(small_kpi)):
        client.get(f"{kpis_url(world)}{kpi.public_id}/")
    assert len(large) == len(small)


def test_outsiders_get_404(client, world, other_world):
    kpi = Kpi.objects.get(key="speed-to-lead")
    client.force_login(world.bystander)
    assert client.get(kpis_url(world)).status_code == 404
    assert client.get(f"{kpis_url(world)}{kpi.public_id}/").status_code == 404
    client.force_login(other_world.pmo)
    assert client.get(f"{kpis_url(world)}{kpi.public_id}/").status_code == 404
