from __future__ import annotations

import uuid

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Membership, User
from accounts.permissions import sees_every_engagement
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


def members_visible_to(*, actor: User, tenant_id: int) -> QuerySet[Membership]:
    """The tenant's people the actor may see, with their seats on visible engagements.

    Admins and PMO see everyone in the tenant; anyone else sees themselves and the people who
    sit on an engagement they sit on.
    """
    memberships = Membership.objects.filter(tenant_id=tenant_id)
    seats = EngagementMember.objects.visible_to(actor)
    if not sees_every_engagement(user=actor, tenant_id=tenant_id):
        memberships = memberships.filter(Q(user=actor) | Q(user__in=seats.values("user_id")))
    return memberships.select_related("user").prefetch_related(
        Prefetch(
            "user__engagement_memberships",
            queryset=seats.select_related("engagement").order_by("engagement__public_id"),
            to_attr="visible_seats",
        )
    )
