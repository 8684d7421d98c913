"""A milestone's comment thread."""

from __future__ import annotations

from accounts.models import User
from audit import services as audit
from audit.services import operation
from engagements.permissions import can_comment, require
from kernel.errors import InvalidInput
from kernel.text import required
from milestones.models import Milestone, MilestoneComment

COMMENT_MAX_LENGTH = 5000


@operation("milestone.commented", tenant_of="milestone")
def add_comment(*, actor: User, milestone: Milestone, body: str) -> MilestoneComment:
    """A message in the milestone's thread, by a member who may edit the engagement."""
    require(
        can_comment(user=actor, engagement=milestone.engagement),
        "Only members of this engagement who are not viewers can comment.",
    )
    body = required(body, field="body", message="Write a comment first.")
    if len(body) > COMMENT_MAX_LENGTH:
        raise InvalidInput(
            "The comment is too long.",
            errors={"body": [f"Keep a comment under {COMMENT_MAX_LENGTH} characters."]},
        )
    comment = MilestoneComment.objects.create(
        tenant_id=milestone.tenant_id, milestone=milestone, author=actor, body=body
    )
    audit.record_created(actor=actor, instance=comment)
    return comment
