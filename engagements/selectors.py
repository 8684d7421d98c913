from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import User
from engagements.models import Engagement
from kernel.errors import NotFound


def visible_engagements(*, actor: User) -> QuerySet[Engagement]:
    return Engagement.objects.visible_to(actor)


def get_engagement(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """One engagement the actor may see; any other (missing, foreign) is NotFound."""
    engagement = visible_engagements(actor=actor).filter(public_id=public_id).first()
    if engagement is None:
        raise NotFound("No such engagement.")
    return engagement
