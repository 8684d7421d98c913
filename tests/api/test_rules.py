"""The domain's rules hold over the API exactly as in the browser: the same services refuse."""

from __future__ import annotations

import datetime
from decimal import Decimal

from governance.models import Gate, GateDecision
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from reporting.measurements import record_measurement
from reporting.models import Kpi, KpiMeasurement
from tests.api.endpoints import kickoff_gate
from tests.world import meet_criteria_and_attest


def kickoff_url(world) -> str:
    with tenant_context(world.tenant):
        return f"/api/v1/gates/{kickoff_gate(world).public_id}/"


def test_approving_a_gate_with_open_items_is_refused_listing_them(api, home):
    url = kickoff_url(home)
    with tenant_context(home.tenant):
        gate = kickoff_gate(home)
        meet_criteria_and_attest(home.world, gate)
        open_titles = list(
            Milestone.objects.filter(phase__kind="kickoff")
            .order_by("due_date", "id")
            .values_list("title", flat=True)
        )
    request = api.post(url + "request-decision/", token=home.tokens["provider_lead"])
    assert request.status_code == 200
    response = api.post(url + "approve/", {"comment": "Go"}, token=home.tokens["pmo"])
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["items"] == [f"Open milestone: {title} (not started)" for title in open_titles]
    assert problem["type"] == "urn:bpo-transition:problem:items-open"
    assert "cannot be approved; still open" in problem["detail"]
    with tenant_context(home.tenant):
        assert not GateDecision.objects.exists()
        assert Gate.objects.get(pk=gate.pk).status == "requested"


def test_the_pmo_who_requested_a_decision_cannot_approve_it(api, home):
    url = kickoff_url(home)
    assert api.post(url + "request-decision/", token=home.tokens["pmo"]).status_code == 200
    response = api.post(url + "approve/", {"comment": "Mine"}, token=home.tokens["pmo"])
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "another PMO must approve it" in response.json()["detail"]
    with tenant_context(home.tenant):
        assert not GateDecision.objects.exists()


def test_only_pmo_may_approve_a_gate(api, home):
    url = kickoff_url(home)
    assert api.post(url + "request-decision/", token=home.tokens["pmo"]).status_code == 200
    for label in ("provider_lead", "client_lead"):
        response = api.post(url + "approve/", {}, token=home.tokens[label])
        assert response.status_code == 403
        assert response.json()["detail"] == "Only PMO can approve a gate."
    with tenant_context(home.tenant):
        assert not GateDecision.objects.exists()


def test_a_rejection_needs_a_reason(api, home):
    url = kickoff_url(home)
    api.post(url + "request-decision/", token=home.tokens["pmo"])
    response = api.post(url + "reject/", {"reason": "  "}, token=home.tokens["pmo"])
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["Say what must change before the gate passes."]}


def test_a_milestone_cannot_be_done_before_its_dependencies(api, home):
    with tenant_context(home.tenant):
        dependent = Milestone.objects.filter(depends_on__isnull=False, phase__kind="kickoff")[0]
        waiting = list(dependent.depends_on.values_list("title", flat=True))
    response = api.patch(
        f"/api/v1/milestones/{dependent.public_id}/",
        {"status": "done", "evidence": "signed"},
        token=home.tokens["pmo"],
    )
    assert response.status_code == 409
    assert [item.split(" (")[0] for item in response.json()["items"]] == waiting
    with tenant_context(home.tenant):
        assert Milestone.objects.get(pk=dependent.pk).status == "not_started"


def test_a_review_with_unexplained_misses_is_not_published(api, home):
    with tenant_context(home.tenant):
        show_rate = Kpi.objects.get(key="show-rate")
        record_measurement(
            actor=home.pmo,
            kpi=show_rate,
            measured_on=datetime.date(2026, 1, 19),
            value=Decimal("1"),
        )
    reviews = api.get("/api/v1/reviews/?day=14", token=home.tokens["pmo"]).json()["results"]
    response = api.post(f"/api/v1/reviews/{reviews[0]['id']}/publish/", token=home.tokens["pmo"])
    assert response.status_code == 409
    assert response.json()["items"] == [
        "Show rate on transferred prospects: missed without root cause, corrective action, "
        "owner and due date"
    ]
    again = api.get(f"/api/v1/reviews/{reviews[0]['id']}/", token=home.tokens["pmo"]).json()
    assert again["status"] == "scheduled" and again["results"] == []


def test_a_review_with_no_data_needs_a_reason_and_shows_no_data(api, home):
    """One KPI measured (on target), four without data: No data is never a miss."""
    reviews = api.get("/api/v1/reviews/?day=14", token=home.tokens["pmo"]).json()["results"]
    url = f"/api/v1/reviews/{reviews[0]['id']}/publish/"

    refused = api.post(url, token=home.tokens["pmo"])

    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    assert api.get(url.replace("publish/", ""), token=home.tokens["pmo"]).json()["results"] == []

    published = api.post(url, {"reason": "Feeds start next week"}, token=home.tokens["pmo"])

    assert published.status_code == 200
    body = published.json()
    assert body["status"] == "published" and body["publish_reason"] == "Feeds start next week"
    assert body["published_early"] is False
    outcomes = sorted(result["outcome"] for result in body["results"])
    assert outcomes == ["met", "no_data", "no_data", "no_data", "no_data"]
    assert all(not r["met"] for r in body["results"] if r["outcome"] == "no_data")


def test_a_waiver_needs_pmo(api, home):
    criteria = api.get("/api/v1/gate-criteria/", token=home.tokens["pmo"]).json()["results"]
    url = f"/api/v1/gate-criteria/{criteria[0]['id']}/waive/"
    refused = api.post(url, {"justification": "n/a"}, token=home.tokens["provider_lead"])
    assert refused.status_code == 403
    waived = api.post(url, {"justification": "Covered elsewhere"}, token=home.tokens["pmo"])
    assert waived.status_code == 200
    assert waived.json()["state"] == "waived"
    assert waived.json()["decided_by"] == str(home.pmo.public_id)


# --- KPI measurements in bulk ------------------------------------------------------------------


def kpi_ids(api, world) -> list[str]:
    rows = api.get("/api/v1/kpis/", token=world.tokens["pmo"]).json()["results"]
    return [row["id"] for row in rows]


def measurements(world) -> int:
    with tenant_context(world.tenant):
        return KpiMeasurement.objects.count()


def test_a_batch_is_written_whole(api, home):
    kpis = kpi_ids(api, home)
    rows = [
        {"kpi": kpi, "measured_on": f"2026-01-{day}", "value": str(day)}
        for kpi in kpis[:2]
        for day in (20, 21, 22)
    ]
    before = measurements(home)
    response = api.post(
        "/api/v1/kpi-measurements/bulk/", {"measurements": rows}, token=home.tokens["pmo"]
    )
    assert response.status_code == 201, response.content
    assert [(r["kpi"], r["measured_on"]) for r in response.json()["results"]] == [
        (r["kpi"], r["measured_on"]) for r in rows
    ]
    assert measurements(home) == before + 6


def test_a_batch_with_bad_rows_writes_nothing_and_names_each_by_index(api, home, foreign):
    kpis = kpi_ids(api, home)
    foreign_kpi = kpi_ids(api, foreign)[0]
    rows = [
        {"kpi": kpis[0], "measured_on": "2026-01-20", "value": "1"},
        {"kpi": kpis[0], "measured_on": "not a date", "value": "1"},
        {"kpi": kpis[0], "measured_on": "2026-01-21", "value": "1"},
        {"kpi": foreign_kpi, "measured_on": "2026-01-21", "value": "1"},
        {"kpi": kpis[1], "measured_on": "2026-01-21", "value": "NaN", "note": "x"},
    ]
    before = measurements(home)
    response = api.post(
        "/api/v1/kpi-measurements/bulk/", {"measurements": rows}, token=home.tokens["pmo"]
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "measurements[1].measured_on",
        "measurements[3].kpi",
        "measurements[4].value",
        "measurements[4].note",
    }
    assert measurements(home) == before
    # A row naming another tenant's KPI is named whatever the other rows hold; a rule of the
    # service (a future date) once every row is well formed.
    rows[1]["measured_on"], rows[4] = (
        "2099-01-01",
        {"kpi": kpis[1], "measured_on": "2026-01-21", "value": "2"},
    )
    response = api.post(
        "/api/v1/kpi-measurements/bulk/", {"measurements": rows}, token=home.tokens["pmo"]
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"measurements[3].kpi"}
    rows[3]["kpi"] = kpis[1]
    response = api.post(
        "/api/v1/kpi-measurements/bulk/", {"measurements": rows}, token=home.tokens["pmo"]
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "measurements[1].measured_on": ["Use today or an earlier date."]
    }
    assert measurements(home) == before


def test_a_self_approved_decision_says_so_over_the_api(api, home):
    from tests.world import finish_phase
    from transition.services import set_separation_of_duties

    world = home.world
    url = kickoff_url(home)
    with tenant_context(home.tenant):
        set_separation_of_duties(actor=world.admin, tenant=world.tenant, separate=False)
        finish_phase(world, "kickoff")
        meet_criteria_and_attest(world, kickoff_gate(home))
    assert api.post(url + "request-decision/", token=home.tokens["pmo"]).status_code == 200
    response = api.post(url + "approve/", {"comment": "Only PMO"}, token=home.tokens["pmo"])

    assert response.status_code == 200
    (decision,) = response.json()["decisions"]
    assert (decision["outcome"], decision["self_approved"]) == ("approved", True)
