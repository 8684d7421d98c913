"""The services behind the milestone page's comments and files refuse on their own, whatever
view calls them."""

import pytest
from django.core.files.base import ContentFile

from audit.models import Event
from engagements.services import add_member
from kernel.errors import InvalidInput, NotAllowed, RuleBroken
from milestones.comments import add_comment
from milestones.evidence import attach_evidence_file, delete_evidence_file
from milestones.models import EvidenceFile, Milestone, MilestoneComment
from milestones.services import update_milestone
from tests import factories


@pytest.fixture(autouse=True)
def scratch_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def viewer(world):
    user = factories.MembershipFactory(tenant=world.tenant).user
    add_member(
        actor=world.pmo, engagement=world.engagement, user=user, side="client", role="viewer"
    )
    return user


def test_a_viewer_or_an_outsider_cannot_comment_or_attach(world, viewer):
    milestone = Milestone.objects.first()
    for person in (viewer, world.bystander):
        with pytest.raises(NotAllowed):
            add_comment(actor=person, milestone=milestone, body="Hello")
        with pytest.raises(NotAllowed):
            attach_evidence_file(
                actor=person, milestone=milestone, upload=ContentFile(b"%PDF-1", name="a.pdf")
            )
    assert not MilestoneComment.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert not Event.objects.filter(object_type__in=["milestone_comment", "evidence_file"]).exists()


def test_a_viewer_cannot_delete_a_file(world, viewer):
    milestone = Milestone.objects.first()
    evidence = attach_evidence_file(
        actor=world.provider_lead, milestone=milestone, upload=ContentFile(b"csv,1", name="a.csv")
    )

    with pytest.raises(NotAllowed):
        delete_evidence_file(actor=viewer, evidence_file=evidence)

    assert EvidenceFile.objects.get() == evidence
    assert evidence.file.storage.exists(evidence.file.name)


def test_refusals_name_the_field(world):
    milestone = Milestone.objects.first()

    with pytest.raises(InvalidInput) as blank:
        add_comment(actor=world.provider_lead, milestone=milestone, body="  ")
    with pytest.raises(InvalidInput) as empty:
        attach_evidence_file(
            actor=world.provider_lead, milestone=milestone, upload=ContentFile(b"", name="a.txt")
        )

    assert list(blank.value.errors) == ["body"]
    assert empty.value.errors == {"file": ["“a.txt” is empty."]}


def test_an_attached_file_is_evidence_enough_to_be_done(world):
    session = Milestone.objects.get(playbook_key="kickoff-session")
    assert session.evidence_required and not session.evidence and not session.evidence_link
    attach_evidence_file(
        actor=world.provider_lead,
        milestone=session,
        upload=ContentFile(b"%PDF-1.4 minutes", name="Kickoff minutes.pdf"),
    )

    done = update_milestone(actor=world.provider_lead, milestone=session, status="done")

    assert done.status == "done"
    assert Milestone.objects.get(pk=session.pk).status == "done"


def test_the_only_file_of_a_done_milestone_cannot_be_deleted(world):
    session = Milestone.objects.get(playbook_key="kickoff-session")
    minutes = attach_evidence_file(
        actor=world.provider_lead,
        milestone=session,
        upload=ContentFile(b"%PDF-1.4 minutes", name="Kickoff minutes.pdf"),
    )
    update_milestone(actor=world.provider_lead, milestone=session, status="done")

    with pytest.raises(RuleBroken) as refused:
        delete_evidence_file(actor=world.provider_lead, evidence_file=minutes)

    assert "only evidence" in refused.value.message
    assert EvidenceFile.objects.get() == minutes
    # With its proof written down, the file may go.
    update_milestone(actor=world.provider_lead, milestone=session, evidence="Minutes v2")
    delete_evidence_file(actor=world.provider_lead, evidence_file=minutes)
    assert not EvidenceFile.objects.exists()


def test_without_text_link_or_file_a_required_milestone_is_not_done(world):
    session = Milestone.objects.get(playbook_key="kickoff-session")

    with pytest.raises(InvalidInput) as refused:
        update_milestone(actor=world.provider_lead, milestone=session, status="done")

    assert refused.value.errors["evidence"] == [
        "Add the evidence text or link, or attach a file, that proves this milestone is done."
    ]
    assert Milestone.objects.get(pk=session.pk).status == "not_started"
