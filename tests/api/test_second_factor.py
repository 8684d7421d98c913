"""A tenant that requires a second factor: the API refuses an approval by someone without one
as the pages do (the service refuses), as a problem naming why."""

from governance.models import GateDecision
from kernel.tenancy import tenant_context
from tests.api.endpoints import kickoff_gate
from tests.world import meet_criteria_and_attest
from transition.services import set_second_factor_required


def test_the_api_refuses_an_approval_without_a_second_factor_as_a_problem(api, home):
    set_second_factor_required(actor=home.admin, tenant=home.tenant, required=True)
    with tenant_context(home.tenant):
        gate = kickoff_gate(home)
        meet_criteria_and_attest(home.world, gate)
    url = f"/api/v1/gates/{gate.public_id}/"
    assert api.post(url + "request-decision/", token=home.tokens["provider_lead"]).status_code
    response = api.post(url + "approve/", {"comment": "Go"}, token=home.tokens["pmo"])

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "requires a second factor to approve a gate" in response.json()["detail"]
    with tenant_context(home.tenant):
        assert not GateDecision.objects.exists()
