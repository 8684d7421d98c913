"""The provider lead works on a milestone in a real browser: attaches a file, comments."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from kernel.tenancy import tenant_context
from milestones.models import EvidenceFile, Milestone, MilestoneComment
from milestones.services import update_milestone
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIGNED_BRIEF = b"%PDF-1.4\n% the signed campaign brief\n%%EOF\n"


@pytest.fixture(autouse=True)
def scratch_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_provider_lead_attaches_a_file_and_comments(page, live_server, screenshot):
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        milestone = Milestone.objects.select_related("engagement").get(
            title="Technical needs confirmed"
        )
        update_milestone(actor=world.pmo, milestone=milestone, status="in_progress")
        url = (
            f"{live_server.url}/engagements/{milestone.engagement.public_id}"
            f"/milestones/{milestone.public_id}/"
        )
    sign_in(page, live_server, world.provider_lead.username)
    page.goto(url)
    page.get_by_role("heading", name="Technical needs confirmed").wait_for()

    page.get_by_label("Attach a file").set_input_files(
        files=[{"name": "Signed brief.pdf", "mimeType": "application/pdf", "buffer": SIGNED_BRIEF}]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("“Signed brief.pdf” attached.").wait_for()

    comment_box = page.get_by_role("textbox", name="Comment")
    comment_box.fill("Dialer chosen; the API specs are reviewed on Thursday.")
    page.get_by_role("button", name="Add comment").click()
    page.get_by_text("Comment added.").wait_for()

    comments = page.locator("#comments").inner_text()
    assert "Dialer chosen; the API specs are reviewed on Thursday." in comments
    assert str(world.provider_lead) in comments
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Signed brief.pdf").click()
    download = downloading.value
    assert download.suggested_filename == "Signed brief.pdf"
    assert Path(download.path()).read_bytes() == SIGNED_BRIEF
    history = page.locator("#history").inner_text()
    assert f"{world.pmo} changed status" in history
    assert "Status: Not started → In progress" in history
    with tenant_context(world.tenant):
        assert EvidenceFile.objects.get().uploaded_by == world.provider_lead
        assert MilestoneComment.objects.get().author == world.provider_lead

    assert serious_violations(page) == []
    screenshot(page, "milestone-desktop")


def test_the_milestone_page_and_its_forms_on_a_phone(phone_page, page, live_server, screenshot):
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        milestone = Milestone.objects.select_related("engagement", "phase").get(
            title="Draft script delivered"
        )
        base = f"{live_server.url}/engagements/{milestone.engagement.public_id}/milestones/"
        url = f"{base}{milestone.public_id}/"
    sign_in(phone_page, live_server, world.provider_lead.username)

    phone_page.goto(url)
    phone_page.get_by_role("heading", name="Draft script delivered").wait_for()
    assert no_sideways_scroll(phone_page)
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "milestone-phone")

    # A refused edit keeps what was typed and says why, beside the field.
    phone_page.get_by_role("link", name="Edit milestone").click()
    phone_page.get_by_label("Title").fill("  ")
    phone_page.get_by_role("button", name="Save changes").click()
    phone_page.get_by_text("This field is required.").wait_for()
    assert no_sideways_scroll(phone_page)
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "milestone-edit-refused-phone")

    phone_page.goto(f"{base}phases/{milestone.phase.public_id}/new/")
    phone_page.get_by_role("heading", name="Add a milestone to Transition").wait_for()
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "milestone-add-phone")

    sign_in(page, live_server, world.provider_lead.username)
    page.goto(f"{base}phases/{milestone.phase.public_id}/new/")
    page.get_by_role("heading", name="Add a milestone to Transition").wait_for()
    assert serious_violations(page) == []
    screenshot(page, "milestone-add-desktop")

    # Someone else saves while the provider lead edits: theirs is shown, mine is kept.
    page.goto(f"{url}edit/")
    page.get_by_label("Title").fill("Draft script delivered to the client")
    with tenant_context(world.tenant):
        update_milestone(actor=world.client_lead, milestone=milestone, title="Draft script v1")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name="What is saved now").wait_for()
    assert page.get_by_label("Title").input_value() == "Draft script delivered to the client"
    assert f"Changed by {world.client_lead}" in page.locator(".card.border-warning").inner_text()
    assert serious_violations(page) == []
    screenshot(page, "milestone-edit-stale-desktop")
    page.get_by_role("button", name="Save mine anyway").click()
    page.get_by_text("“Draft script delivered to the client” saved.").wait_for()
