from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import User
from bpo_transition.errors import NotFound
from milestones.models import Milestone


def visible_milestones(*, actor: User) -> QuerySet[Milestone]:
    return Milestone.objects.visible_to(actor).select_related("engagement", "phase", "owner")


def get_milestone(*, actor: User, public_id: uuid.UUID | str) -> Milestone:
    milestone = visible_milestones(actor=actor).filter(public_id=public_id).first()
    if milestone is None:
        raise NotFound("No such milestone.")
    return milestone


def open_dependencies(*, milestone: Milestone) -> list[Milestone]:
    return list(milestone.depends_on.filter(status__in=Milestone.OPEN).order_by("due_date"))
