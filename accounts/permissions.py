"""Tenant-wide roles: what a person may do across a tenant, whatever engagement is asked about.

The rule "the user belongs to the tenant" lives here (``belongs_to_tenant``): every service,
view and selector that needs it asks this module. Seats on one engagement are
``engagements.permissions``.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import Membership, User
from accounts.selectors import has_membership, members_among, membership_in
from kernel.tenancy import get_active_tenant_id

PLANNER_ROLES = {Membership.Role.ADMIN, Membership.Role.PMO}


def belongs_to_tenant(*, user: User | None, tenant_id: int | None, fresh: bool = False) -> bool:
    """The user is a member of the tenant (any role); cached on the user for the request.

    ``fresh`` asks the database now, past the cache: a service about to change who belongs,
    or asking about someone other than the person signed in.
    """
    if fresh:
        return (
            user is not None
            and tenant_id is not None
            and has_membership(user=user, tenant_id=tenant_id)
        )
    return tenant_role(user=user, tenant_id=tenant_id) is not None


def tenant_members_among(*, tenant_id: int, users: Iterable[User]) -> set[int]:
    """``belongs_to_tenant`` for several people at once, in one query: the ids of those who
    belong (asked of the database now)."""
    return members_among(tenant_id=tenant_id, users=users)


def tenant_role(*, user: User, tenant_id: int | None) -> str | None:
    if tenant_id is None or user is None or not user.is_authenticated:
        return None
    membership = membership_in(user=user, tenant_id=tenant_id)
    return membership.role if membership is not None else None


def sees_every_engagement(*, user: User, tenant_id: int | None = None) -> bool:
    """Tenant admins and PMO see every engagement of their tenant (the active one by default)."""
    tenant_id = tenant_id if tenant_id is not None else get_active_tenant_id()
    return tenant_role(user=user, tenant_id=tenant_id) in PLANNER_ROLES


def is_tenant_admin(*, user: User, tenant_id: int) -> bool:
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    return tenant_role(user=user, tenant_id=tenant_id) == Membership.Role.ADMIN


def can_plan(*, user: User, tenant_id: int) -> bool:
    """Tenant admins and PMO build engagements and playbooks."""
    return tenant_role(user=user, tenant_id=tenant_id) in PLANNER_ROLES
