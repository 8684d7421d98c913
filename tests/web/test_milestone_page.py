"""The milestone page: what a member sees and does, and what is refused (and changes nothing)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import Event
from engagements.services import add_member, start_transition
from kernel.tenancy import tenant_context
from milestones.comments import add_comment
from milestones.evidence import attach_evidence_file
from milestones.models import EvidenceFile, Milestone, MilestoneComment
from milestones.services import update_milestone
from tests import factories
from tests.world import add_engagement, pass_gate

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def scratch_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def milestone_titled(title: str) -> Milestone:
    return Milestone.objects.select_related("engagement", "phase", "owner").get(title=title)


def page_url(milestone: Milestone, suffix: str = "") -> str:
    engagement_id = milestone.engagement.public_id
    return f"/engagements/{engagement_id}/milestones/{milestone.public_id}/{suffix}"


def file_url(evidence: EvidenceFile, suffix: str = "") -> str:
    return page_url(evidence.milestone, f"files/{evidence.public_id}/{suffix}")


def text_of(response) -> str:
    """The page's visible words, tags removed and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def a_viewer(world):
    viewer = factories.MembershipFactory(
        tenant=world.tenant, user=factories.UserFactory(username="vic-viewer")
    ).user
    add_member(
        actor=world.pmo, engagement=world.engagement, user=viewer, side="client", role="viewer"
    )
    return viewer


def pdf(name: str = "signed-brief.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- What the page shows -------------------------------------------------------------------


def test_the_page_shows_details_dependencies_and_dependents_linked(client, world):
    milestone = milestone_titled("Draft script delivered")
    client.force_login(world.provider_lead)

    response = client.get(page_url(milestone))

    assert response.status_code == 200
    text = text_of(response)
    assert "Draft script delivered" in text
    assert f"Owner {milestone.owner}" in text
    assert "Due " + milestone.due_date.strftime("%-d %b %Y") in text
    brief = milestone_titled("Campaign brief signed by both sides")
    review = milestone_titled("Client review of the script")
    html = response.content.decode()
    assert f'href="{page_url(brief)}"' in html  # a dependency, linked
    assert f'href="{page_url(review)}"' in html  # a dependent, linked
    assert re.search(r"Depends on .*Campaign brief signed by both sides.*Needed by", text)
    assert re.search(r"Needed by .*Client review of the script", text)


def test_history_says_who_changed_what_in_words(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    old_owner = milestone.owner
    update_milestone(
        actor=world.pmo,
        milestone=milestone,
        owner=world.provider_staff,
        due_date=datetime.date(2026, 2, 3),
        status="in_progress",
    )
    client.force_login(world.provider_lead)

    text = text_of(client.get(page_url(milestone)))

    history = text.split("History", 1)[1]
    assert f"{world.pmo} changed owner, due date, status" in history
    assert f"Owner: {old_owner} → {world.provider_staff}" in history
    assert f"Due date: {milestone.due_date:%-d %b %Y} → 3 Feb 2026" in history
    assert "Status: Not started → In progress" in history
    # The creation lists its own values from the snapshot, in words.
    assert f"{world.pmo} created the milestone" in history
    assert f"Owner: {old_owner}" in history
    assert "Phase: Kickoff" in history
    assert "Dependencies: Working kickoff session" in history
    # No raw ids or field names reach the reader.
    assert str(world.provider_staff.public_id) not in history
    assert "due_date" not in history
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", history)


def test_a_viewer_sees_the_page_but_no_action(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    add_comment(actor=world.provider_lead, milestone=milestone, body="Laptops ordered")
    viewer = a_viewer(world)
    client.force_login(viewer)

    response = client.get(page_url(milestone))

    assert response.status_code == 200
    text = text_of(response)
    assert "Laptops ordered" in text
    for action in ("Add comment", "Upload", "Reassign", "Edit milestone"):
        assert action not in text


# --- Comments ------------------------------------------------------------------------------


def test_a_comment_is_added_and_audited(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(milestone, "comments/"), {"body": "Headsets arrive on Tuesday."}, follow=True
    )

    assert response.redirect_chain[-1][0].endswith("#comments")
    text = text_of(response)
    assert "Comment added." in text
    assert f"{world.provider_lead} · " in text and "Headsets arrive on Tuesday." in text
    comment = MilestoneComment.objects.get(milestone=milestone)
    event = Event.objects.get(object_type="milestone_comment", object_id=str(comment.public_id))
    assert (event.operation, event.action, event.actor) == (
        "milestone.commented",
        "created",
        world.provider_lead,
    )
    assert event.snapshot["body"] == "Headsets arrive on Tuesday."
    assert event.engagement_id == milestone.engagement_id


def test_an_empty_comment_is_refused_beside_the_field(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(page_url(milestone, "comments/"), {"body": "   "})

    assert response.status_code == 400
    assert "Write a comment first." in text_of(response)
    assert not MilestoneComment.objects.exists()


def test_a_viewer_cannot_comment(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(a_viewer(world))

    response = client.post(page_url(milestone, "comments/"), {"body": "Let me in"})

    assert response.status_code == 403
    assert not MilestoneComment.objects.exists()


# --- Evidence files ------------------------------------------------------------------------


def test_the_provider_lead_uploads_a_file_and_downloads_it_back(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(milestone, "files/"), {"file": pdf("Tech needs v2.pdf")}, follow=True
    )

    assert "“Tech needs v2.pdf” attached." in text_of(response)
    evidence = EvidenceFile.objects.get(milestone=milestone)
    assert (evidence.original_name, evidence.size, evidence.content_type) == (
        "Tech needs v2.pdf",
        len(PDF),
        "application/pdf",
    )
    assert evidence.uploaded_by == world.provider_lead
    assert "Tech needs v2.pdf" not in evidence.file.name  # stored under ids only
    assert file_url(evidence) in response.content.decode()
    event = Event.objects.get(object_type="evidence_file")
    assert (event.operation, event.snapshot["original_name"]) == (
        "milestone.evidence_file_attached",
        "Tech needs v2.pdf",
    )

    download = client.get(file_url(evidence))

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Tech needs v2.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    # Still no evidence in the rule's sense: the proof is a text or a link.
    milestone.refresh_from_db()
    assert milestone.has_evidence is False


def test_a_file_over_the_size_limit_is_refused_naming_the_field(client, world, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(page_url(milestone, "files/"), {"file": pdf(content=PDF * 100)})

    assert response.status_code == 400
    assert "files can be at most 1 KB" in text_of(response)
    assert 'id="file-errors"' in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not (settings.MEDIA_ROOT / "evidence").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("installer.exe", b"MZ\x90\x00", "is not a file type we accept"),
        ("report.pdf", PNG, "The content of “report.pdf” is not a PDF."),
        ("notes.txt", b"text\x00with a NUL", "The content of “notes.txt” is not a Text."),
    ],
)
def test_a_file_of_another_type_is_refused(client, world, name, content, message):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(
        page_url(milestone, "files/"), {"file": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 400
    assert message in text_of(response)
    assert not EvidenceFile.objects.exists()


def test_the_allowed_types_come_from_the_settings(client, world, settings):
    settings.EVIDENCE_ALLOWED_TYPES = ["pdf"]
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    refused = client.post(
        page_url(milestone, "files/"), {"file": SimpleUploadedFile("shot.png", PNG)}
    )
    accepted = client.post(page_url(milestone, "files/"), {"file": pdf()})

    assert refused.status_code == 400
    assert "(accepted: .pdf)." in text_of(refused)
    assert accepted.status_code == 302
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == [
        "signed-brief.pdf"
    ]


def test_a_viewer_can_download_but_not_upload_or_delete(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    evidence = attach_evidence_file(actor=world.provider_lead, milestone=milestone, upload=pdf())
    client.force_login(a_viewer(world))

    assert client.get(file_url(evidence)).status_code == 200
    assert client.post(page_url(milestone, "files/"), {"file": pdf("x.pdf")}).status_code == 403
    assert client.post(file_url(evidence, "delete/")).status_code == 403
    assert list(EvidenceFile.objects.all()) == [evidence]


def test_deleting_a_file_leaves_a_tombstone_and_removes_the_bytes(
    client, world, django_capture_on_commit_callbacks
):
    milestone = milestone_titled("Technical needs confirmed")
    evidence = attach_evidence_file(actor=world.provider_lead, milestone=milestone, upload=pdf())
    stored = evidence.file.name
    assert default_storage.exists(stored)
    client.force_login(world.provider_lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(file_url(evidence, "delete/"), follow=True)

    assert "“signed-brief.pdf” deleted." in text_of(response)
    assert not EvidenceFile.objects.exists()
    assert not default_storage.exists(stored)
    tombstone = Event.objects.get(object_type="evidence_file", action="deleted")
    assert tombstone.actor == world.provider_lead
    assert tombstone.changes["original_name"] == ["signed-brief.pdf", None]
    assert client.get(file_url(evidence)).status_code == 404


def test_files_of_a_milestone_whose_gate_was_approved_cannot_change(client, world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    pass_gate(world, "kickoff")
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(page_url(milestone, "files/"), {"file": pdf()})

    assert response.status_code == 409
    assert "its gate was approved" in text_of(response)
    assert not EvidenceFile.objects.exists()


def test_a_file_is_404_from_another_tenant(client, world, other_world):
    with tenant_context(other_world.tenant):
        foreign_milestone = Milestone.objects.filter(engagement=other_world.engagement).first()
        foreign = attach_evidence_file(
            actor=other_world.provider_lead, milestone=foreign_milestone, upload=pdf()
        )
        foreign_url = file_url(foreign)
    client.force_login(world.admin)

    response = client.get(foreign_url)

    assert response.status_code == 404
    assert b"signed-brief" not in response.content
    assert client.post(foreign_url + "delete/").status_code == 404
    with tenant_context(other_world.tenant):
        assert EvidenceFile.objects.count() == 1


def test_a_file_is_404_for_a_provider_lead_of_another_engagement_in_the_tenant(client, world):
    rival_lead = factories.MembershipFactory(
        tenant=world.tenant, user=factories.UserFactory(username="rival-lead")
    ).user
    people = dict(world.__dict__, provider_lead=rival_lead, provider_staff=rival_lead)
    from tests.world import owners_for

    add_engagement(
        world,
        key="seven-step-onboarding",
        name="Rival desk",
        owners=owners_for("seven-step-onboarding", people),
    )
    milestone = milestone_titled("Technical needs confirmed")
    evidence = attach_evidence_file(actor=world.provider_lead, milestone=milestone, upload=pdf())
    client.force_login(rival_lead)

    assert client.get(file_url(evidence)).status_code == 404
    assert client.get(page_url(milestone)).status_code == 404
    assert client.post(file_url(evidence, "delete/")).status_code == 404
    assert EvidenceFile.objects.count() == 1
    # The home provider lead still gets it.
    client.force_login(world.provider_lead)
    assert client.get(file_url(evidence)).status_code == 200


def test_a_file_named_under_another_engagement_is_404(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    second = add_engagement(world)
    evidence = attach_evidence_file(actor=world.provider_lead, milestone=milestone, upload=pdf())
    client.force_login(world.admin)

    # The right file and milestone ids under the wrong engagement's address.
    wrong = file_url(evidence).replace(str(world.engagement.public_id), str(second.public_id))

    assert client.get(wrong).status_code == 404
    other_milestone = Milestone.objects.filter(engagement=second).first()
    mixed = page_url(other_milestone, f"files/{evidence.public_id}/")
    assert client.get(mixed).status_code == 404


# --- Add, edit, reassign ---------------------------------------------------------------------


def milestone_form(world, **overrides) -> dict:
    values = {
        "title": "Floor walkers briefed",
        "description": "Who helps agents on day one.",
        "owner": str(world.provider_lead.public_id),
        "side": "provider",
        "due_date": "2026-01-09",
        "evidence_required": "on",
        "external_id": "TCK-101",
    }
    values.update(overrides)
    return values


def test_a_milestone_is_added_to_a_phase_with_its_dependencies(client, world):
    kickoff = milestone_titled("Working kickoff session").phase
    session = milestone_titled("Working kickoff session")
    client.force_login(world.provider_lead)
    url = f"/engagements/{world.engagement.public_id}/milestones/phases/{kickoff.public_id}/new/"

    form_page = client.get(url)
    response = client.post(
        url, milestone_form(world, depends_on=[str(session.public_id)]), follow=True
    )

    assert form_page.status_code == 200
    assert "Add a milestone to Kickoff" in text_of(form_page)
    added = milestone_titled("Floor walkers briefed")
    assert "“Floor walkers briefed” added to Kickoff." in text_of(response)
    assert (added.phase, added.owner) == (kickoff, world.provider_lead)
    assert added.external_id == "TCK-101"
    assert list(added.depends_on.all()) == [session]
    assert added.evidence_required is True
    assert Event.objects.filter(
        object_type="milestone", object_id=str(added.public_id), action="created"
    ).exists()


def test_adding_a_milestone_with_bad_input_keeps_what_was_typed(client, world):
    kickoff = milestone_titled("Working kickoff session").phase
    update_milestone(
        actor=world.pmo, milestone=milestone_titled("Working kickoff session"), external_id="X-1"
    )
    client.force_login(world.provider_lead)
    url = f"/engagements/{world.engagement.public_id}/milestones/phases/{kickoff.public_id}/new/"
    before = Milestone.objects.count()

    missing_owner = client.post(url, milestone_form(world, owner=""))
    clash = client.post(url, milestone_form(world, external_id="X-1"))

    assert missing_owner.status_code == 400
    assert 'id="id_owner_error"' in missing_owner.content.decode()
    assert 'value="Floor walkers briefed"' in missing_owner.content.decode()
    assert clash.status_code == 400
    html = clash.content.decode()
    assert re.search(
        r'id="id_external_id_error"[^>]*>Already used by milestone “Working kickoff session”', html
    )
    assert 'value="X-1"' in html
    assert "Who helps agents on day one." in html
    assert Milestone.objects.count() == before


def test_a_dependency_on_a_later_phase_is_not_offered_and_is_refused(client, world):
    kickoff = milestone_titled("Working kickoff session").phase
    later = milestone_titled("Draft script delivered")
    client.force_login(world.provider_lead)
    url = f"/engagements/{world.engagement.public_id}/milestones/phases/{kickoff.public_id}/new/"

    form_page = client.get(url)
    response = client.post(url, milestone_form(world, depends_on=[str(later.public_id)]))

    assert "Draft script delivered" not in text_of(form_page)
    assert response.status_code == 400
    assert 'id="id_depends_on_error"' in response.content.decode()
    assert not Milestone.objects.filter(title="Floor walkers briefed").exists()


def test_a_viewer_cannot_add_or_edit(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(a_viewer(world))
    new_url = (
        f"/engagements/{world.engagement.public_id}/milestones/phases/"
        f"{milestone.phase.public_id}/new/"
    )

    assert client.get(new_url).status_code == 403
    assert client.post(new_url, milestone_form(world)).status_code == 403
    assert client.get(page_url(milestone, "edit/")).status_code == 403
    edit = client.post(
        page_url(milestone, "edit/"), milestone_form(world, expected_version=milestone.version)
    )
    assert edit.status_code == 403
    assert (
        client.post(
            page_url(milestone, "owner/"),
            {"owner": str(world.client_lead.public_id), "expected_version": milestone.version},
        ).status_code
        == 403
    )
    milestone.refresh_from_db()
    assert (milestone.title, milestone.version) == ("Technical needs confirmed", 1)
    assert not Milestone.objects.filter(title="Floor walkers briefed").exists()


def edit_form(milestone: Milestone, **overrides) -> dict:
    values = {
        "title": milestone.title,
        "description": milestone.description,
        "owner": str(milestone.owner.public_id),
        "side": milestone.side,
        "due_date": milestone.due_date.isoformat(),
        "external_id": milestone.external_id or "",
        "depends_on": [str(d.public_id) for d in milestone.depends_on.all()],
        "expected_version": milestone.version,
    }
    if milestone.evidence_required:
        values["evidence_required"] = "on"
    values.update(overrides)
    return values


def test_editing_saves_every_field_as_one_new_version(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    brief = milestone_titled("Campaign rules defined")
    client.force_login(world.provider_lead)

    form_page = client.get(page_url(milestone, "edit/"))
    response = client.post(
        page_url(milestone, "edit/"),
        edit_form(
            milestone,
            title="Technical needs confirmed in writing",
            due_date="2026-01-12",
            owner=str(world.provider_staff.public_id),
            depends_on=[str(d.public_id) for d in milestone.depends_on.all()]
            + [str(brief.public_id)],
        ),
        follow=True,
    )

    assert 'value="Technical needs confirmed"' in form_page.content.decode()
    assert "“Technical needs confirmed in writing” saved." in text_of(response)
    milestone.refresh_from_db()
    assert milestone.version == 2
    assert (milestone.due_date, milestone.owner) == (
        datetime.date(2026, 1, 12),
        world.provider_staff,
    )
    assert brief in milestone.depends_on.all()
    assert Event.objects.filter(object_id=str(milestone.public_id), action="updated").count() == 1


def test_a_refused_edit_shows_the_rule_beside_the_field_and_changes_nothing(client, world):
    session = milestone_titled("Working kickoff session")
    brief = milestone_titled("Campaign brief signed by both sides")
    client.force_login(world.pmo)

    # The session would depend on the brief, which already depends on it: a cycle.
    response = client.post(
        page_url(session, "edit/"),
        edit_form(session, title="Kickoff (renamed)", depends_on=[str(brief.public_id)]),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_depends_on_error"[^>]*>This would make the plan circular', html)
    assert 'value="Kickoff (renamed)"' in html
    session.refresh_from_db()
    assert (session.title, session.version) == ("Working kickoff session", 1)
    assert not session.depends_on.exists()


def test_a_stale_edit_is_refused_with_the_current_values_and_what_was_typed(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)
    typed = edit_form(milestone, title="Tech needs (mine)")
    update_milestone(actor=world.client_lead, milestone=milestone, title="Tech needs (theirs)")

    response = client.post(page_url(milestone, "edit/"), typed)

    assert response.status_code == 409
    text = text_of(response)
    assert "was changed by someone else" in text
    current = text.split("What is saved now", 1)[1]
    assert f"Changed by {world.client_lead}" in current
    assert "Title Tech needs (theirs)" in current
    html = response.content.decode()
    assert 'value="Tech needs (mine)"' in html
    assert 'name="expected_version" value="2"' in html
    milestone.refresh_from_db()
    assert (milestone.title, milestone.version) == ("Tech needs (theirs)", 2)

    # Having seen both, saving again replaces theirs knowingly.
    again = client.post(page_url(milestone, "edit/"), dict(typed, expected_version="2"))

    assert again.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.version) == ("Tech needs (mine)", 3)


def test_the_owner_is_reassigned_to_a_member_only(client, world):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    outsider = client.post(
        page_url(milestone, "owner/"),
        {"owner": str(world.bystander.public_id), "expected_version": 1},
    )
    response = client.post(
        page_url(milestone, "owner/"),
        {"owner": str(world.provider_staff.public_id), "expected_version": 1},
        follow=True,
    )

    assert outsider.status_code == 400
    assert 'id="id_owner_error"' in outsider.content.decode()
    assert f"{world.provider_staff} now owns this milestone." in text_of(response)
    milestone.refresh_from_db()
    assert (milestone.owner, milestone.version) == (world.provider_staff, 2)

    stale = client.post(
        page_url(milestone, "owner/"),
        {"owner": str(world.provider_lead.public_id), "expected_version": 1},
    )

    assert stale.status_code == 409
    assert "was changed by someone else" in text_of(stale)
    milestone.refresh_from_db()
    assert milestone.owner == world.provider_staff


# --- Queries -------------------------------------------------------------------------------


def add_activity(world, milestone: Milestone, rounds: range) -> None:
    owners = [world.provider_staff, world.provider_lead]
    for n in rounds:
        milestone.refresh_from_db()
        update_milestone(
            actor=world.pmo,
            milestone=milestone,
            owner=owners[n % 2],
            due_date=milestone.due_date + datetime.timedelta(days=1),
        )
        add_comment(actor=world.provider_lead, milestone=milestone, body=f"Update {n}")
        attach_evidence_file(
            actor=world.provider_lead,
            milestone=milestone,
            upload=ContentFile(PDF, name=f"report-{n}.pdf"),
        )


def test_the_page_does_not_query_more_with_a_longer_history(
    client, world, django_assert_max_num_queries
):
    milestone = milestone_titled("Campaign brief signed by both sides")
    client.force_login(world.provider_lead)
    add_activity(world, milestone, range(5))
    with django_assert_max_num_queries(20) as few:
        assert client.get(page_url(milestone)).status_code == 200

    add_activity(world, milestone, range(5, 20))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page_url(milestone))

    assert response.status_code == 200
    text = text_of(response)
    assert "Update 19" in text and "report-19.pdf" in text
    assert text.count("changed owner, due date") == 20
