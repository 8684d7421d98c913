"""The forecasts over the API: each open gate's forecast, range, target and reasons, by the
engagement's id; another tenant's engagement, or one the caller is not in, is a 404."""

from __future__ import annotations

import pytest
import time_machine

from tests.api.conftest import build_api_world

# Its figures are of one day (the answers name it): pinned there, never moved to another.
pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _on_day_15():
    with time_machine.travel("2026-01-20T12:00:00+00:00", tick=True):
        yield


@pytest.fixture
def alpha():
    return build_api_world("Alpha")


def get(client, path, token):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_an_engagement_forecast_lists_its_open_gates_with_range_target_and_reasons(client, alpha):
    response = get(client, f"/api/v1/forecasts/{alpha.engagement.public_id}/", alpha.tokens["pmo"])

    assert response.status_code == 200 and response["ETag"]
    body = response.json()
    assert body["engagement"] == str(alpha.engagement.public_id)
    assert body["as_of"] == "2026-01-20"
    go_live = next(gate for gate in body["gates"] if gate["go_live"])
    assert go_live["phase"] == "controlled_go_live"
    assert go_live["target"] == "2026-01-15"
    assert go_live["late"] and go_live["slip_days"] > 0
    assert go_live["low"] <= go_live["forecast"] <= go_live["high"]
    assert go_live["headline"].startswith("Go-live forecast")
    assert 1 <= len(go_live["reasons"]) <= 5
    assert all(reason["milestones"] and reason["owners"] for reason in go_live["reasons"])


def test_the_list_holds_every_visible_engagement_and_another_tenants_is_a_404(client, alpha):
    bravo = build_api_world("Bravo")

    listed = get(client, "/api/v1/forecasts/", alpha.tokens["pmo"]).json()
    foreign = get(client, f"/api/v1/forecasts/{bravo.engagement.public_id}/", alpha.tokens["pmo"])
    outsider = get(
        client, f"/api/v1/forecasts/{alpha.engagement.public_id}/", alpha.tokens["bystander"]
    )

    assert [row["engagement"] for row in listed["results"]] == [str(alpha.engagement.public_id)]
    assert foreign.status_code == 404
    assert outsider.status_code == 404
