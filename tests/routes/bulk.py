"""The bulk change pages: a change by the world's admin (only its author may see or undo it)."""

from __future__ import annotations

import datetime

from audit.models import Event
from milestones import bulk
from milestones.models import Milestone
from tests.routes import populates, route


@populates
def make_a_bulk_change(world):
    milestone = (
        Milestone.objects.filter(engagement=world.engagement)
        .exclude(phase__status="complete")
        .order_by("id")
        .first()
    )
    bulk.apply_bulk_change(
        actor=world.admin,
        tenant=world.tenant,
        ids=[milestone.public_id],
        change=bulk.BulkChange(due_date=milestone.due_date + datetime.timedelta(days=1)),
    )


def _operation(world):
    return (
        Event.objects.filter(operation=bulk.OPERATION, actor=world.admin)
        .values_list("correlation_id", flat=True)
        .first()
    )


@route("milestone_bulk:done")
def bulk_change_page(world):
    return f"/milestones/bulk/{_operation(world)}/"


@route("milestone_bulk:undo", method="post")
def bulk_undo(world):
    return f"/milestones/bulk/{_operation(world)}/undo/"
