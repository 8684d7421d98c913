"""The services behind the milestone page's comments and files refuse on their own, whatever
view calls them."""

import pytest
from django.core.files.base import ContentFile

from audit.models import Event
from bpo_transition.errors import InvalidInput, NotAllowed
from engagements.services import add_member
from milestones.models import EvidenceFile, Milestone, MilestoneComment
from milestones.services import add_comment, attach_evidence_file, delete_evidence_file
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
