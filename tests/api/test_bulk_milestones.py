"""POST /api/v1/milestones/bulk/ and .../bulk/undo/: preview, commit, per-item results,
problem+json, Idempotency-Key, and nothing of another tenant or engagement."""

import pytest

from audit.models import Event
from engagements.models import EngagementMember
from kernel.tenancy import tenant_context
from milestones.models import Milestone

pytestmark = pytest.mark.django_db


def bulk_events(world) -> int:
    with tenant_context(world.tenant):
        return Event.objects.filter(operation="milestone.bulk_changed").count()


def events(world) -> int:
    with tenant_context(world.tenant):
        return Event.objects.count()


BULK = "/api/v1/milestones/bulk/"
UNDO = "/api/v1/milestones/bulk/undo/"


def some(world, count=3, **filters):
    with tenant_context(world.tenant):
        return list(
            Milestone.objects.filter(
                engagement=world.engagement, status="not_started", **filters
            ).order_by("id")[:count]
        )


def body(milestones, change=None, **extra):
    return {
        "ids": [str(m.public_id) for m in milestones],
        "change": change or {"due_date": "2026-03-02"},
        **extra,
    }


def test_a_preview_answers_per_milestone_and_writes_nothing(home, api):
    chosen = [*some(home, 2, evidence_required=False), *some(home, 1, evidence_required=True)]
    before = events(home)
    answer = api.post(
        BULK, body(chosen, {"status": "done"}, preview=True), token=home.tokens["provider_lead"]
    )
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert (result["preview"], result["applied"], result["operation"]) == (True, False, None)
    refused = [r for r in result["results"] if r["outcome"] == "refused"]
    assert any("needs evidence" in " ".join(r["reasons"]) for r in refused)
    assert events(home) == before


def test_a_change_is_undone_by_its_operation(home, api):
    chosen = some(home, 3)
    answer = api.post(BULK, body(chosen), token=home.tokens["provider_lead"])
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert result["applied"] and result["counts"]["change"] == 3
    assert result["results"][0]["changes"]["due_date"][1] == "2026-03-02"
    undo = api.post(UNDO, {"operation": result["operation"]}, token=home.tokens["provider_lead"])
    assert undo.status_code == 200, undo.content
    again = api.post(UNDO, {"operation": result["operation"]}, token=home.tokens["provider_lead"])
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert "already undone" in again.json()["detail"]


def test_all_or_nothing_is_a_409_listing_every_refusal(home, api):
    chosen = [*some(home, 2, evidence_required=False), *some(home, 1, evidence_required=True)]
    answer = api.post(BULK, body(chosen, {"status": "done"}), token=home.tokens["provider_lead"])
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["items"] and "nothing was changed" in problem["detail"]
    assert bulk_events(home) == 0


def test_undo_after_someone_elses_edit_is_a_409_naming_it(home, api):
    chosen = some(home, 2)
    operation = api.post(BULK, body(chosen), token=home.tokens["provider_lead"]).json()["operation"]
    edited = api.patch(
        f"/api/v1/milestones/{chosen[0].public_id}/",
        {"title": "Edited since"},
        token=home.tokens["client_lead"],
    )
    assert edited.status_code == 200
    undo = api.post(UNDO, {"operation": operation}, token=home.tokens["provider_lead"])
    assert undo.status_code == 409
    assert undo.json()["items"][0].startswith("“Edited since”")


@pytest.mark.parametrize(
    ("ids", "message"),
    [(0, "Select at least one milestone."), (100_000, "Select at most 1,000 milestones at once.")],
)
def test_nothing_or_too_much_is_a_400(home, api, ids, message, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000_000
    ids = ["7d0c8a52-4c1e-4d55-9d43-3f0a3f1f2b10"] * ids
    answer = api.post(
        BULK, {"ids": ids, "change": {"status": "done"}}, token=home.tokens["provider_lead"]
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["ids"] == [message]


def test_unknown_fields_and_an_empty_change_are_a_400(home, api):
    chosen = some(home, 1)
    answer = api.post(BULK, body(chosen, {"title": "x"}), token=home.tokens["provider_lead"])
    assert answer.status_code == 400
    assert "change.title" in answer.json()["errors"]
    empty = api.post(BULK, {**body(chosen), "change": {}}, token=home.tokens["provider_lead"])
    assert empty.status_code == 400
    assert "change" in empty.json()["errors"]


def test_another_tenants_milestones_are_named_as_no_such_milestone(home, foreign, api):
    theirs = some(foreign, 1)
    answer = api.post(BULK, body([*some(home, 1), *theirs]), token=home.tokens["pmo"])
    assert answer.status_code == 400
    assert answer.json()["errors"]["ids"] == [f"No such milestone: {theirs[0].public_id}."]
    assert theirs[0].title not in answer.content.decode()
    with tenant_context(foreign.tenant):
        theirs[0].refresh_from_db()
    assert theirs[0].version == 1


def test_an_owner_of_another_tenant_is_no_such_person(home, foreign, api):
    answer = api.post(
        BULK,
        body(some(home, 1), {"owner": str(foreign.provider_lead.public_id)}),
        token=home.tokens["pmo"],
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"change.owner": ["Choose a person of this tenant."]}


def test_a_bystander_does_not_see_the_engagement_and_a_viewer_may_not_change_it(home, api):
    chosen = some(home, 1)
    answer = api.post(BULK, body(chosen), token=home.tokens["bystander"])
    assert answer.status_code == 400
    with tenant_context(home.tenant):
        EngagementMember.objects.create(
            tenant=home.tenant,
            engagement=home.engagement,
            user=home.bystander,
            side="client",
            role="viewer",
        )
    answer = api.post(BULK, body(chosen), token=home.tokens["bystander"])
    assert answer.status_code == 403
    assert "only members who are not viewers" in answer.json()["detail"]


def test_a_read_only_token_may_not_change(home, api):
    answer = api.post(BULK, body(some(home, 1)), token=home.tokens["pmo_read_only"])
    assert answer.status_code == 403


def test_an_undo_of_another_persons_change_is_a_404(home, api):
    operation = api.post(BULK, body(some(home, 1)), token=home.tokens["provider_lead"]).json()[
        "operation"
    ]
    answer = api.post(UNDO, {"operation": operation}, token=home.tokens["pmo"])
    assert answer.status_code == 404


def test_a_retried_change_with_its_idempotency_key_replays_the_first_answer(home, api):
    chosen = some(home, 2)
    first = api.post(
        BULK, body(chosen), token=home.tokens["provider_lead"], **{"Idempotency-Key": "bulk-1"}
    )
    second = api.post(
        BULK, body(chosen), token=home.tokens["provider_lead"], **{"Idempotency-Key": "bulk-1"}
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert bulk_events(home) == 2
    with tenant_context(home.tenant):
        chosen[0].refresh_from_db()
    assert chosen[0].version == 2
