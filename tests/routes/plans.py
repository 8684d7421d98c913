"""Routes of the plan import (a stored plan file's preview and commit, a re-plan, the sample)."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from plans.models import PlanUpload
from tests.routes import populates, route

CONTENT = b"phase,milestone,owner,side,due date\nKickoff,Step,a@example.com,joint,3\n"


def _upload(world) -> PlanUpload:
    """The home admin's stored re-plan of the world's engagement (kept as a preview would)."""
    upload = PlanUpload.objects.filter(engagement=world.engagement).order_by("pk").first()
    return upload or PlanUpload.objects.create(
        tenant_id=world.engagement.tenant_id,
        engagement=world.engagement,
        file_name="plan.csv",
        content=CONTENT,
        sha256=hashlib.sha256(CONTENT).hexdigest(),
        mapping={"phase": 0, "title": 1, "owner": 2, "side": 3, "due": 4},
        uploaded_by=world.admin,
        uploaded_at=timezone.now(),
    )


@populates
def keep_a_plan_file(world):
    _upload(world)


@route("plans:sample")
def sample(world):
    return None  # names no object: the active tenant's people own the sample


@route("plans:replan", engagement_scoped=True, status=403)
def replan(world):
    return f"/engagements/{world.engagement.public_id}/plan/import/"


@route("plans:upload", engagement_scoped=True, status=403)
def upload(world):
    # The walk's home admin is no PMO of the engagement: refused, but the page exists.
    return f"/plans/uploads/{_upload(world).public_id}/"


@route("plans:commit", engagement_scoped=True, method="post")
def commit(world):
    return f"/plans/uploads/{_upload(world).public_id}/commit/"
