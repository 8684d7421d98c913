"""Tenant-wide roles: what a person may do across a tenant, whatever engagement is asked about.

The rule "the user belongs to the tenant" lives here (``belongs_to_tenant``): every service,
view and selector that needs it asks this module. Seats on one engagement are
``engagements.permissions``.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.mfa.utils import is_mfa_enabled

from accounts.models import Membership, Tenant, User
from accounts.selectors import has_membership, members_among, membership_in
from kernel.errors import RuleBroken
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


# --- Second factor ------------------------------------------------------------------------------


class SecondFactorRequired(RuleBroken):
    """The tenant requires a second factor of those who sign off, and the actor has none."""


def has_second_factor(*, user: User) -> bool:
    """The person has an authenticator app or a security key set up (django-allauth's MFA;
    recovery codes alone, left over after the authenticator was removed, do not count)."""
    return (
        user is not None
        and user.is_authenticated
        and is_mfa_enabled(user, types=["totp", "webauthn"])
    )


def second_factor_required(*, tenant_id: int | None) -> bool:
    return (
        tenant_id is not None
        and Tenant.objects.filter(pk=tenant_id, require_second_factor=True).exists()
    )


def require_second_factor(*, actor: User, tenant_id: int | None, doing: str) -> None:
    """Refuse a sign-off by someone without a second factor where the tenant requires one."""
    if second_factor_required(tenant_id=tenant_id) and not has_second_factor(user=actor):
        raise SecondFactorRequired(
            f"Your tenant requires a second factor to {doing}: set up an authenticator app "
            "under Two-factor authentication (in your account menu), then try again."
        )
