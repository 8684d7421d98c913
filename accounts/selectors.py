from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, User


def memberships_for(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def resolve_active_membership(*, user: User, tenant_id: int | None) -> Membership | None:
    """The membership for the tenant the session chose, else the user's first one."""
    memberships = memberships_for(user=user)
    if tenant_id is not None:
        chosen = memberships.filter(tenant_id=tenant_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def membership_in(*, user: User, tenant_id: int) -> Membership | None:
    """The user's membership in a tenant, cached on the user object for the request."""
    cache = user.__dict__.setdefault("_membership_cache", {})
    if tenant_id not in cache:
        cache[tenant_id] = Membership.objects.filter(user=user, tenant_id=tenant_id).first()
    return cache[tenant_id]
