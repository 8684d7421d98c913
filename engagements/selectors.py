from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Membership, User
from accounts.selectors import membership_in
from bpo_transition.errors import NotFound
from bpo_transition.tenancy import get_active_tenant
from engagements.models import Engagement, EngagementMember, Phase


def sees_every_engagement(*, actor: User) -> bool:
    """Tenant admins and PMO see every engagement of the active tenant."""
    tenant = get_active_tenant()
    if tenant is None or not actor.is_authenticated:
        return False
    membership = membership_in(user=actor, tenant_id=tenant.pk)
    return membership is not None and membership.sees_every_engagement


def tenant_role(*, actor: User, engagement: Engagement) -> str | None:
    membership = membership_in(user=actor, tenant_id=engagement.tenant_id)
    return membership.role if membership is not None else None


def is_pmo(*, actor: User, engagement: Engagement) -> bool:
    """PMO of the tenant, or seated on the engagement's PMO side (not as a viewer)."""
    if tenant_role(actor=actor, engagement=engagement) == Membership.Role.PMO:
        return True
    seat = seat_of(actor=actor, engagement=engagement)
    return (
        seat is not None
        and seat.side == EngagementMember.Side.PMO
        and seat.role != EngagementMember.Role.VIEWER
    )


def can_edit(*, actor: User, engagement: Engagement) -> bool:
    """Tenant admins and PMO, and every seated member who is not a viewer."""
    if tenant_role(actor=actor, engagement=engagement) in {
        Membership.Role.ADMIN,
        Membership.Role.PMO,
    }:
        return True
    seat = seat_of(actor=actor, engagement=engagement)
    return seat is not None and seat.role != EngagementMember.Role.VIEWER


def is_seated(*, user: User, engagement: Engagement) -> bool:
    return seat_of(actor=user, engagement=engagement) is not None


def seat_of(*, actor: User, engagement: Engagement) -> EngagementMember | None:
    """The actor's seat in the engagement, cached on the engagement for the request."""
    cache = engagement.__dict__.setdefault("_seat_cache", {})
    if actor.pk not in cache:
        cache[actor.pk] = EngagementMember.objects.filter(engagement=engagement, user=actor).first()
    return cache[actor.pk]


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


def engagement_overview(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    from milestones.models import Milestone

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
