"""Reads of the API app: tokens, and the rows the API lists, in a fixed number of queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Membership, User
from api import tokens
from api.models import ApiToken
from bpo_transition.errors import NotFound
from engagements.models import EngagementMember
from engagements.permissions import sees_every_engagement
from milestones.models import Milestone, MilestoneDependency

# --- Tokens --------------------------------------------------------------------------------


def token_for_secret(secret: str) -> ApiToken | None:
    """The token this secret belongs to (revoked ones included), or None.

    Found by its non-secret prefix, then compared in constant time with the stored digest.
    """
    prefix = tokens.prefix_of(secret)
    if prefix is None:
        return None
    token = ApiToken.authenticating.filter(prefix=prefix).select_related("user").first()
    if token is None or not tokens.matches(secret, token.digest):
        return None
    return token


def tokens_of_tenant() -> QuerySet[ApiToken]:
    """The active tenant's tokens (tenant admins manage them all)."""
    return ApiToken.objects.select_related("user", "created_by")


def get_token(*, public_id: uuid.UUID | str) -> ApiToken:
    token = tokens_of_tenant().filter(public_id=public_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token


# --- Milestones as the API shows them --------------------------------------------------------

MILESTONE_COLUMNS = (
    "pk",
    "public_id",
    "engagement__public_id",
    "phase__kind",
    "title",
    "description",
    "owner__public_id",
    "side",
    "due_date",
    "status",
    "evidence",
    "evidence_required",
    "external_id",
    "version",
    "created_at",
    "updated_at",
)


def milestone_rows(queryset: QuerySet[Milestone]) -> QuerySet:
    """The columns a milestone shows in the API, straight from one joined query."""
    return queryset.values(*MILESTONE_COLUMNS)


def dependency_ids(*, milestone_pks: Iterable[int]) -> dict[int, list[str]]:
    """The public ids each milestone depends on, for a page of milestones in one query."""
    found: dict[int, list[str]] = {}
    pks = list(milestone_pks)
    if not pks:
        return found
    rows = (
        MilestoneDependency.objects.filter(milestone_id__in=pks)
        .order_by("milestone_id", "depends_on__public_id")
        .values_list("milestone_id", "depends_on__public_id")
    )
    for milestone_id, public_id in rows:
        found.setdefault(milestone_id, []).append(str(public_id))
    return found


# --- People -----------------------------------------------------------------------------------


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
