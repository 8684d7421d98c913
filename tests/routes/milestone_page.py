"""Builders for the milestone page's routes; every object comes from ``world.engagement``."""

from __future__ import annotations

from django.core.files.base import ContentFile

from milestones.comments import add_comment
from milestones.evidence import attach_evidence_file
from milestones.models import EvidenceFile, Milestone
from tests.routes import populates, route


def _milestone(world) -> Milestone:
    """The engagement's first milestone of a phase that is not complete (files can change)."""
    return (
        Milestone.objects.filter(engagement=world.engagement)
        .exclude(phase__status="complete")
        .order_by("phase__position", "due_date", "id")
        .first()
    )


def _base(world) -> str:
    return f"/engagements/{world.engagement.public_id}/milestones/"


def _file(world) -> EvidenceFile:
    """A file of the engagement, attached when it has none yet (an engagement that was built
    after the population, like the walk's rival engagement)."""
    evidence = EvidenceFile.objects.filter(milestone__engagement=world.engagement).first()
    if evidence is None:
        evidence = attach_evidence_file(
            actor=world.pmo,
            milestone=_milestone(world),
            upload=ContentFile(b"%PDF-1.4 walk", name="walk.pdf"),
        )
    return evidence


@populates
def comment_and_attach_a_file(world) -> None:
    milestone = _milestone(world)
    add_comment(actor=world.provider_lead, milestone=milestone, body="Brief sent for signature.")
    attach_evidence_file(
        actor=world.provider_lead,
        milestone=milestone,
        upload=ContentFile(b"%PDF-1.4 signed brief", name="signed-brief.pdf"),
    )


@route("milestones:detail", engagement_scoped=True)
def milestone_page(world):
    return f"{_base(world)}{_milestone(world).public_id}/"


@route("milestones:edit", engagement_scoped=True)
def milestone_edit(world):
    return f"{_base(world)}{_milestone(world).public_id}/edit/"


@route("milestones:create", engagement_scoped=True)
def milestone_create(world):
    return f"{_base(world)}phases/{_milestone(world).phase.public_id}/new/"


@route("milestones:reassign", engagement_scoped=True, method="post")
def milestone_reassign(world):
    return f"{_base(world)}{_milestone(world).public_id}/owner/"


@route("milestones:change-status", engagement_scoped=True, method="post")
def milestone_change_status(world):
    return f"{_base(world)}{_milestone(world).public_id}/change-status/"


@route("milestones:comment", engagement_scoped=True, method="post")
def milestone_comment(world):
    return f"{_base(world)}{_milestone(world).public_id}/comments/"


@route("milestones:upload", engagement_scoped=True, method="post")
def milestone_upload(world):
    return f"{_base(world)}{_milestone(world).public_id}/files/"


@route("milestones:file", engagement_scoped=True)
def evidence_download(world):
    evidence = _file(world)
    return f"{_base(world)}{evidence.milestone.public_id}/files/{evidence.public_id}/"


@route("milestones:delete-file", engagement_scoped=True, method="post")
def evidence_delete(world):
    evidence = _file(world)
    return f"{_base(world)}{evidence.milestone.public_id}/files/{evidence.public_id}/delete/"
