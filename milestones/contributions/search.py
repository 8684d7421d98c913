"""Milestones can be found by their title, description and evidence; comments by their body
(the result is the comment's milestone, at its thread). Both only where the actor may see
the engagement."""

from __future__ import annotations

from django.urls import reverse

from kernel.registry import search_documents
from kernel.search import SearchDocument
from milestones.models import Milestone, MilestoneComment


def _milestone_url(milestone: Milestone) -> str:
    return reverse(
        "milestones:detail",
        kwargs={
            "engagement_id": milestone.engagement.public_id,
            "milestone_id": milestone.public_id,
        },
    )


search_documents.register(
    "milestone",
    SearchDocument(
        kind="milestone",
        label="Milestones",
        visible=lambda actor: Milestone.objects.visible_to(actor).select_related(
            "engagement", "phase"
        ),
        fields=("title", "description", "evidence"),
        url=_milestone_url,
        context=lambda row: f"{row.engagement.name} · {row.phase.get_kind_display()}",
        position=20,
    ),
)

search_documents.register(
    "milestone_comment",
    SearchDocument(
        kind="milestone_comment",
        label="Comments",
        visible=lambda actor: MilestoneComment.objects.visible_to(actor).select_related(
            "milestone__engagement", "author"
        ),
        fields=("body",),
        title="milestone.title",
        url=lambda row: f"{_milestone_url(row.milestone)}#comments",
        context=lambda row: f"{row.milestone.engagement.name} · comment by {row.author}",
        position=30,
    ),
)
