"""A milestone's status changes on its own page, through the same rules as the plan's rows,
and an attached file counts as its evidence there and on the plan."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.base import ContentFile

from engagements.services import add_member
from milestones.evidence import attach_evidence_file
from milestones.models import Milestone
from milestones.services import update_milestone
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def scratch_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def titled(title: str) -> Milestone:
    return Milestone.objects.select_related("engagement").get(title=title)


def page_url(milestone: Milestone, suffix: str = "") -> str:
    return (
        f"/engagements/{milestone.engagement.public_id}/milestones/{milestone.public_id}/{suffix}"
    )


def text_of(response) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def selected_status(response) -> str:
    page = response.content.decode()
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', page, re.S)
    return re.search(r'<option value="([a-z_]+)" selected>', select.group(1)).group(1)


def change(client, milestone: Milestone, status: str, version: int | None = None):
    return client.post(
        page_url(milestone, "change-status/"),
        {"status": status, "expected_version": version or milestone.version},
    )


def test_the_owner_changes_the_status_on_the_milestone_page(client, world):
    session = titled("Working kickoff session")
    client.force_login(world.provider_lead)

    page = client.get(page_url(session))
    assert selected_status(page) == "not_started"
    assert 'action="' + page_url(session, "change-status/") + '"' in page.content.decode()

    response = change(client, session, "in_progress")

    assert response.status_code == 302 and response.url == page_url(session)
    assert titled("Working kickoff session").status == "in_progress"
    shown = client.get(response.url)
    assert "“Working kickoff session” is now in progress." in text_of(shown)
    assert selected_status(shown) == "in_progress"


def test_done_without_evidence_is_refused_on_the_page_keeping_the_choice(client, world):
    session = titled("Working kickoff session")
    client.force_login(world.provider_lead)

    response = change(client, session, "done")

    assert response.status_code == 400
    words = text_of(response)
    assert "“Working kickoff session” needs evidence before it can be done." in words
    assert "Add the evidence text or link, or attach a file, that proves" in words
    assert selected_status(response) == "done"  # what the person chose stays
    stored = titled("Working kickoff session")
    assert (stored.status, stored.version) == ("not_started", 1)


def test_an_attached_file_lets_it_be_done_on_its_page_and_on_the_plan(client, world):
    session = titled("Working kickoff session")
    attach_evidence_file(
        actor=world.provider_lead,
        milestone=session,
        upload=ContentFile(PDF, name="Kickoff minutes.pdf"),
    )
    client.force_login(world.provider_lead)

    plan = client.get(f"/engagements/{world.engagement.public_id}/")
    html_of_plan = plan.content.decode()
    row_start = html_of_plan.index(f'<tr id="milestone-{session.public_id}"')
    row = html_of_plan[row_start : html_of_plan.index("</tr>", row_start)]
    assert "File attached" in row and "Needs evidence" not in row
    assert "1 file attached" in text_of(client.get(page_url(session)))

    response = change(client, session, "done")

    assert response.status_code == 302
    assert titled("Working kickoff session").status == "done"


def test_an_open_dependency_and_a_stale_version_are_refused_with_why(client, world):
    rules = titled("Campaign rules defined")
    client.force_login(world.client_lead)

    blocked = change(client, rules, "done")
    assert blocked.status_code == 409
    assert "cannot be done before its dependencies: Working kickoff session (not started)" in (
        text_of(blocked)
    )
    assert selected_status(blocked) == "done"

    update_milestone(actor=world.pmo, milestone=rules, status="in_progress")
    stale = change(client, rules, "blocked", version=1)
    assert stale.status_code == 409
    assert "was changed by someone else" in text_of(stale)
    assert selected_status(stale) == "blocked"
    assert titled("Campaign rules defined").status == "in_progress"


def test_a_viewer_has_no_status_form_and_a_post_is_refused(client, world):
    viewer = factories.MembershipFactory(tenant=world.tenant).user
    add_member(
        actor=world.pmo, engagement=world.engagement, user=viewer, side="client", role="viewer"
    )
    session = titled("Working kickoff session")
    client.force_login(viewer)

    assert 'name="status"' not in client.get(page_url(session)).content.decode()
    assert change(client, session, "in_progress").status_code == 403
    assert titled("Working kickoff session").status == "not_started"
