"""Bulk changes in the browser: checkboxes and the bar on the engagement page and in My work,
the preview, applying (all or nothing, or the allowed ones), undo and its refusal."""

from __future__ import annotations

import re

import pytest

from audit.models import Event
from engagements.models import EngagementMember
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone

PREVIEW, APPLY = "/milestones/bulk/preview/", "/milestones/bulk/apply/"


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.provider_lead)
    return client


def chosen(world, count=3, **filters) -> list[Milestone]:
    return list(
        Milestone.objects.filter(
            engagement=world.engagement, status="not_started", **filters
        ).order_by("id")[:count]
    )


def form(milestones, **fields):
    return {"ids": [str(m.public_id) for m in milestones], "next": "/my-work/", **fields}


def bulk_events() -> int:
    return Event.objects.filter(operation="milestone.bulk_changed").count()


def test_the_engagement_page_has_a_named_checkbox_per_row_and_the_bar(signed_in, world):
    page = signed_in.get(f"/engagements/{world.engagement.public_id}/").content.decode()
    first = Milestone.objects.filter(engagement=world.engagement).order_by("due_date").first()
    assert f'aria-label="Select {first.title}"' in page
    assert 'id="bulk-form"' in page
    assert "Change the selected milestones" in page


def test_a_viewer_gets_neither_checkboxes_nor_the_bar(client, world):
    EngagementMember.objects.filter(engagement=world.engagement, user=world.client_staff).update(
        role="viewer"
    )
    client.force_login(world.client_staff)
    page = client.get(f"/engagements/{world.engagement.public_id}/").content.decode()
    assert 'form="bulk-form"' not in page
    assert 'id="bulk-form"' not in page


def test_my_work_has_a_checkbox_per_milestone_and_the_bar(signed_in, world):
    page = signed_in.get("/my-work/").content.decode()
    mine = Milestone.objects.filter(owner=world.provider_lead, status="not_started").first()
    assert f'aria-label="Select {mine.title}"' in page
    assert 'id="bulk-form"' in page


def test_the_preview_lists_verdicts_with_reasons_and_writes_nothing(signed_in, world):
    milestones = [*chosen(world, 2, evidence_required=True)]
    answer = signed_in.post(PREVIEW, form(milestones, status="done"))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "needs evidence before it can be done" in page
    assert "Apply to the allowed ones only" in page
    assert bulk_events() == 0


def test_all_or_nothing_refuses_keeping_what_was_typed(signed_in, world):
    milestones = [*chosen(world, 1, evidence_required=True)]
    answer = signed_in.post(APPLY, form(milestones, status="done", mode="all_or_nothing"))
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "nothing was changed" in page.lower()
    assert re.search(r'<option value="done" selected>', page)
    assert f'name="ids" value="{milestones[0].public_id}"' in page
    assert bulk_events() == 0


def test_a_due_date_before_day_0_keeps_the_date_typed(signed_in, world):
    answer = signed_in.post(APPLY, form(chosen(world, 2), due_date="2025-01-01"))
    assert answer.status_code == 409
    assert 'value="2025-01-01"' in answer.content.decode()


def test_apply_to_the_allowed_ones_then_undo(signed_in, world):
    milestones = chosen(world, 3)
    answer = signed_in.post(APPLY, form(milestones, due_date="2026-03-02", mode="allowed"))
    assert answer.status_code == 302
    done_url = answer["Location"]
    page = signed_in.get(done_url).content.decode()
    assert "Bulk change applied" in page
    assert "Undo this change" in page
    assert "Due date:" in page
    operation = done_url.split("/")[3]
    undone = signed_in.post(f"/milestones/bulk/{operation}/undo/", {"next": "/my-work/"})
    assert undone.status_code == 302
    page = signed_in.get(undone["Location"]).content.decode()
    assert "Bulk change undone" in page
    assert "Undo this change" not in page
    milestones[0].refresh_from_db()
    assert milestones[0].version == 3


def test_undo_after_someone_elses_edit_names_the_milestone(signed_in, world):
    milestones = chosen(world, 2)
    answer = signed_in.post(APPLY, form(milestones, due_date="2026-03-02"))
    operation = answer["Location"].split("/")[3]
    update_milestone(actor=world.client_lead, milestone=milestones[0], title="Edited by Adam")
    refused = signed_in.post(f"/milestones/bulk/{operation}/undo/", {})
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "someone changed these milestones since" in page
    assert "“Edited by Adam”" in page


def test_nothing_selected_is_a_clear_400(signed_in, world):
    answer = signed_in.post(PREVIEW, form([], due_date="2026-03-02"))
    assert answer.status_code == 400
    assert "Select at least one milestone." in answer.content.decode()


def test_another_tenants_milestone_is_no_such_milestone(signed_in, world, other_world):
    with tenant_context(other_world.tenant):
        theirs = Milestone.objects.order_by("id").first()
    answer = signed_in.post(PREVIEW, form([*chosen(world, 1), theirs], due_date="2026-03-02"))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f"No such milestone: {theirs.public_id}." in page
    assert theirs.title not in page


def test_a_selection_with_an_engagement_one_only_reads_is_a_403(client, world):
    from tests.world import add_engagement

    second = add_engagement(world, name="Second desk")
    EngagementMember.objects.filter(engagement=second, user=world.client_staff).update(
        role="viewer"
    )
    client.force_login(world.client_staff)
    theirs = Milestone.objects.filter(engagement=second).order_by("id").first()
    answer = client.post(PREVIEW, form([*chosen(world, 1), theirs], due_date="2026-03-02"))
    assert answer.status_code == 403
    assert "“Second desk”" in answer.content.decode()


def test_someone_elses_bulk_change_is_not_found(client, signed_in, world):
    answer = signed_in.post(APPLY, form(chosen(world, 1), due_date="2026-03-02"))
    done_url = answer["Location"].split("?")[0]
    client.force_login(world.pmo)
    assert client.get(done_url).status_code == 404
    assert client.post(done_url + "undo/", {}).status_code == 404


def test_the_engagement_page_and_my_work_offer_to_undo_ones_last_bulk_change(
    signed_in, world, time_machine
):
    """The offer shows where one works, for the undo's ten minutes, and goes once undone."""
    time_machine.move_to("2026-02-02 09:00:00+00:00", tick=False)
    engagement_page = f"/engagements/{world.engagement.public_id}/"
    offer = re.compile(r'id="bulk-undo-offer" href="(/milestones/bulk/[0-9a-f-]{36}/)"')
    assert not offer.search(signed_in.get(engagement_page).content.decode())

    answer = signed_in.post(APPLY, form(chosen(world, 2), due_date="2026-03-02", mode="allowed"))
    done_url = answer["Location"]
    for url in (engagement_page, "/my-work/"):
        found = offer.search(signed_in.get(url).content.decode())
        assert found and found.group(1) == done_url.split("?")[0], url
    # Someone else has nothing to undo.
    signed_in.force_login(world.client_lead)
    assert not offer.search(signed_in.get(engagement_page).content.decode())
    signed_in.force_login(world.provider_lead)

    time_machine.move_to("2026-02-02 09:11:00+00:00", tick=False)
    assert not offer.search(signed_in.get(engagement_page).content.decode())

    time_machine.move_to("2026-02-02 09:00:30+00:00", tick=False)
    operation = done_url.split("/")[3]
    signed_in.post(f"/milestones/bulk/{operation}/undo/", {"next": "/my-work/"})
    assert not offer.search(signed_in.get(engagement_page).content.decode())
