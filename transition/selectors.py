"""Reads that span apps: what a page about a whole engagement needs, in a fixed number of
queries."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch

from accounts.models import User
from bpo_transition.errors import NotFound
from engagements.models import Engagement, EngagementMember, Phase
from engagements.selectors import visible_engagements
from milestones.models import Milestone


def engagement_overview(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    engagement = (
        visible_engagements(actor=actor)
        .filter(public_id=public_id)
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.select_related("gate").prefetch_related(
                    Prefetch(
                        "milestones",
                        queryset=Milestone.objects.select_related("owner").order_by(
                            "due_date", "id"
                        ),
                    )
                ),
            ),
            Prefetch("members", queryset=EngagementMember.objects.select_related("user")),
        )
        .first()
    )
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement
