from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from engagements.models import Engagement, EngagementMember, Phase
from kernel.errors import NotFound


def visible_engagements(*, actor: User) -> QuerySet[Engagement]:
    return Engagement.objects.visible_to(actor)


def get_engagement(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """One engagement the actor may see; any other (missing, foreign) is NotFound."""
    engagement = visible_engagements(actor=actor).filter(public_id=public_id).first()
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement


def engagement_for_admin(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """One visible engagement with its seats (and their people) and its phases (and gates)."""
    engagement = (
        visible_engagements(actor=actor)
        .filter(public_id=public_id)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=EngagementMember.objects.select_related("user").order_by(
                    "side", "role", "user__first_name", "user__username"
                ),
            ),
            Prefetch("phases", queryset=Phase.objects.select_related("gate").order_by("position")),
        )
        .first()
    )
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement


def get_member(*, engagement: Engagement, public_id: uuid.UUID | str) -> EngagementMember:
    member = (
        EngagementMember.objects.filter(engagement=engagement, public_id=public_id)
        .select_related("user", "engagement")
        .first()
    )
    if member is None:
        raise NotFound("No such member.")
    return member
