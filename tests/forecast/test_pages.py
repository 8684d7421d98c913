"""The forecast where people look: beside the target on the engagement page (with its
reasons), on the timeline (a marker with its range) and in the portfolio's column; a page costs
the same queries however many engagements or milestones it forecasts."""

from __future__ import annotations

import re

import pytest

from tests.world import add_engagement

# The world's contract is signed on 5 January 2026 and its go-live gate is planned for
# 15 January; on the 14th nothing is done yet, so the forecast is past the plan.
LATE = pytest.mark.dates("2026-01-14T12:00:00+00:00")


def engagement_page(client, world) -> str:
    client.force_login(world.pmo)
    response = client.get(f"/engagements/{world.engagement.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


@LATE
def test_the_engagement_page_shows_each_open_gate_forecast_beside_its_plan_with_reasons(
    client, world
):
    html = engagement_page(client, world)

    assert 'id="forecast"' in html
    assert re.search(r"Go-live gate forecast \d+ \w{3}</a>, \d+ days? past its plan", html)
    headline = re.search(r'class="mb-2 go-live-forecast forecast-late"[^>]*>⚠ ([^<]+)<', html)
    assert headline and "Go-live forecast" in headline.group(1)
    assert "(target 15 Jan)" in headline.group(1)
    reasons = re.findall(r"<li>([^<]+)</li>", html.split('class="small forecast-reasons"')[1])
    assert 1 <= len(reasons) <= 5
    assert any("waiting on" in reason for reason in reasons)
    assert html.count('class="tl-forecast tl-forecast-late"') >= 1
    assert "Forecast (80% range)" in html


@LATE
def test_the_portfolio_shows_the_go_live_forecast_column(client, world):
    client.force_login(world.pmo)

    html = client.get("/").content.decode()

    assert '<th scope="col">Go-live forecast</th>' in html
    cell = html.split('data-label="Go-live forecast"')[1].split("</td>")[0]
    assert "text-danger-emphasis" in cell and "past 15 Jan" in cell


@LATE
def test_the_portfolio_takes_the_same_queries_for_one_and_four_engagements(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.pmo)
    client.get("/")  # the first request after signing in writes the session
    with django_assert_max_num_queries(50) as one:
        assert client.get("/").status_code == 200

    for number in range(3):
        add_engagement(world, name=f"Desk {number}")
    with django_assert_max_num_queries(len(one.captured_queries)) as four:
        html = client.get("/").content.decode()

    assert html.count('data-label="Go-live forecast"') == 4
    assert len(four.captured_queries) == len(one.captured_queries)
