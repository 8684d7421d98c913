from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from engagements.models import Engagement, Phase
from kernel.errors import NotFound


def visible_engagements(*, actor: User) -> QuerySet[Engagement]:
    return Engagement.objects.visible_to(actor)


def engagements_for_home(*, actor: User) -> QuerySet[Engagement]:
    open_milestones = Q(milestones__status__in=["not_started", "in_progress", "blocked"])
    return (
        visible_engagements(actor=actor)
        .annotate(open_milestones=Count("milestones", filter=open_milestones))
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.filter(
                    status__in=[Phase.Status.ACTIVE, Phase.Status.AWAITING_DECISION]
                ),
                to_attr="current_phases",
            )
        )
        .order_by("name", "id")
    )


def get_engagement(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """One engagement the actor may see; any other (missing, foreign) is NotFound."""
    engagement = visible_engagements(actor=actor).filter(public_id=public_id).first()
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement
