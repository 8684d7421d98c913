"""Routes of the engagement page: the inline actions of a milestone's row."""

from milestones.models import Milestone
from tests.routes import route


def _row_action(world, action: str) -> str:
    milestone = Milestone.objects.filter(engagement=world.engagement).order_by("id").first()
    return f"/engagements/{world.engagement.public_id}/milestones/{milestone.public_id}/{action}/"


@route("milestone_rows:status", engagement_scoped=True, method="post")
def milestone_status(world):
    return _row_action(world, "status")


@route("milestone_rows:evidence", engagement_scoped=True, method="post")
def milestone_evidence(world):
    return _row_action(world, "evidence")
