from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, QuerySet, Value, When

from accounts.models import Membership, Tenant, User


def memberships_for(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def resolve_active_membership(
    *, user: User, tenant_id: int | None, fall_back: bool = True
) -> Membership | None:
    """The membership for the tenant chosen, else (``fall_back``) the user's first one.

    One query: the chosen tenant sorts first, then the others by name.
    """
    memberships = memberships_for(user=user)
    if tenant_id is None:
        return memberships.first() if fall_back else None
    if not fall_back:
        return memberships.filter(tenant_id=tenant_id).first()
    chosen_first = Case(When(tenant_id=tenant_id, then=Value(0)), default=Value(1))
    return memberships.order_by(chosen_first, "tenant__name").first()


def membership_in(*, user: User, tenant_id: int) -> Membership | None:
    """The user's membership in a tenant, cached on the user object for the request."""
    cache = user.__dict__.setdefault("_membership_cache", {})
    if tenant_id not in cache:
        cache[tenant_id] = Membership.objects.filter(user=user, tenant_id=tenant_id).first()
    return cache[tenant_id]


def has_membership(*, user: User, tenant_id: int) -> bool:
    """Whether the user belongs to the tenant, asked of the database now (no cache)."""
    return Membership.objects.filter(user=user, tenant_id=tenant_id).exists()


def members_among(*, tenant_id: int, users: Iterable[User]) -> set[int]:
    """The ids of those of ``users`` who belong to the tenant, in one query."""
    return set(
        Membership.objects.filter(tenant_id=tenant_id, user__in=list(users)).values_list(
            "user_id", flat=True
        )
    )


def tenant_people(*, tenant: Tenant) -> QuerySet[Membership]:
    """The tenant's members, by name (owners, engagement seats and the members page)."""
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
