"""RAID items over the API: the register's rules, filters, If-Match and problem details."""

from __future__ import annotations

from kernel.tenancy import tenant_context
from registers.models import RaidItem
from tests.api.endpoints import a_raid_item, raid_item_body


def test_create_then_filter_by_kind_status_owner_and_engagement(api, home):
    token = home.tokens["pmo"]
    with tenant_context(home.tenant):
        a_raid_item(home)  # a risk
    created = api.post("/api/v1/raid-items/", raid_item_body(home), token=token)
    assert created.status_code == 201
    assert created.json()["kind"] == "action"
    assert created.json()["status"] == "open"
    assert created["Location"].endswith(f"/api/v1/raid-items/{created.json()['id']}/")
    owner = home.provider_lead.public_id
    for query, titles in (
        ("kind=risk", ["Agents leave during the first wave"]),
        ("kind=action&status=open", ["Book the training rooms"]),
        ("status=closed", []),
        (f"owner={owner}&engagement={home.engagement.public_id}", None),
    ):
        rows = api.get(f"/api/v1/raid-items/?{query}", token=token).json()["results"]
        if titles is None:
            assert len(rows) == 2
        else:
            assert [row["title"] for row in rows] == titles, query


def test_a_stale_if_match_is_412_and_changes_nothing(api, home):
    with tenant_context(home.tenant):
        item = a_raid_item(home)
    url = f"/api/v1/raid-items/{item.public_id}/"
    token = home.tokens["pmo"]
    etag = api.get(url, token=token)["ETag"]
    first = api.patch(url, {"response": "Retention bonus"}, token=token, **{"If-Match": etag})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = api.patch(url, {"response": "Something else"}, token=token, **{"If-Match": etag})
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    with tenant_context(home.tenant):
        assert RaidItem.objects.get(pk=item.pk).response == "Retention bonus"


def test_a_risk_without_a_score_is_refused_as_problem_json(api, home):
    body = {**raid_item_body(home), "kind": "risk"}
    response = api.post("/api/v1/raid-items/", body, token=home.tokens["pmo"])
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    with tenant_context(home.tenant):
        assert not RaidItem.objects.filter(title=body["title"]).exists()


def test_a_change_that_sets_the_status_to_null_is_refused_naming_the_field(api, home):
    """Null means "the default" only when an item is created; the schema of a change says so."""
    with tenant_context(home.tenant):
        item = a_raid_item(home)
    url = f"/api/v1/raid-items/{item.public_id}/"
    response = api.patch(url, {"status": None}, token=home.tokens["pmo"])
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["status"]
    schema = api.get("/api/schema/?format=json", token=home.tokens["pmo"]).json()
    patch = schema["components"]["schemas"]["PatchedRaidItemPatchRequest"]["properties"]["status"]
    assert "null" not in str(patch)
    with tenant_context(home.tenant):
        assert RaidItem.objects.get(pk=item.pk).status == item.status
