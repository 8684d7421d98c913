from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import Membership, Tenant, User
from bpo_transition.errors import InvalidInput, NotAllowed, NotFound, RuleBroken


def switch_tenant(*, actor: User, tenant_public_id: uuid.UUID | str) -> Membership:
    """The membership to make active; a tenant the actor is not in is simply not found."""
    membership = (
        Membership.objects.filter(user=actor, tenant__public_id=tenant_public_id)
        .select_related("tenant")
        .first()
    )
    if membership is None:
        raise NotFound("No such tenant.")
    return membership


@transaction.atomic
def create_tenant(*, name: str, slug: str, admin: User) -> Tenant:
    from audit import services as audit

    tenant = Tenant.objects.create(name=name, slug=slug)
    membership = Membership.objects.create(user=admin, tenant=tenant, role=Membership.Role.ADMIN)
    audit.record_created(actor=admin, instance=membership)
    return tenant


# --- Tenant membership ------------------------------------------------------------------------
# Who belongs to a tenant is decided by its admins (and platform superusers); every change is
# in the tenant's audit trail.


def _require_tenant_admin(*, actor: User, tenant: Tenant) -> None:
    if actor.is_superuser:
        return
    if not Membership.objects.filter(
        user=actor, tenant=tenant, role=Membership.Role.ADMIN
    ).exists():
        raise NotAllowed("Only the tenant's admins can change who belongs to it.")


def _refuse_losing_the_last_admin(*, membership: Membership) -> None:
    others = Membership.objects.filter(
        tenant_id=membership.tenant_id, role=Membership.Role.ADMIN
    ).exclude(pk=membership.pk)
    if membership.role == Membership.Role.ADMIN and not others.exists():
        raise RuleBroken(
            f"{membership.user} is the last admin of {membership.tenant}; "
            "make someone else admin first."
        )


@transaction.atomic
def add_membership(*, actor: User, tenant: Tenant, user: User, role: str) -> Membership:
    from audit import services as audit

    _require_tenant_admin(actor=actor, tenant=tenant)
    if role not in Membership.Role.values:
        raise InvalidInput(
            f"“{role}” is not a role.", errors={"role": ["Choose admin, pmo or member."]}
        )
    if Membership.objects.filter(user=user, tenant=tenant).exists():
        raise InvalidInput(
            f"{user} is already a member of {tenant}.",
            errors={"user": ["Already a member of this tenant."]},
        )
    membership = Membership.objects.create(user=user, tenant=tenant, role=role)
    audit.record_created(actor=actor, instance=membership)
    return membership


@transaction.atomic
def change_membership_role(*, actor: User, membership: Membership, role: str) -> Membership:
    from audit import services as audit

    membership = (
        Membership.objects.select_for_update()
        .select_related("tenant", "user")
        .get(pk=membership.pk)
    )
    _require_tenant_admin(actor=actor, tenant=membership.tenant)
    if role not in Membership.Role.values:
        raise InvalidInput(
            f"“{role}” is not a role.", errors={"role": ["Choose admin, pmo or member."]}
        )
    if role != Membership.Role.ADMIN:
        _refuse_losing_the_last_admin(membership=membership)
    audit.change(actor=actor, instance=membership, role=role)
    return membership


@transaction.atomic
def remove_membership(*, actor: User, membership: Membership) -> None:
    """The person leaves the tenant; their seats on its engagements go with them."""
    from audit import services as audit
    from bpo_transition.tenancy import tenant_context
    from engagements.models import EngagementMember
    from milestones.models import Milestone

    membership = (
        Membership.objects.select_for_update()
        .select_related("tenant", "user")
        .get(pk=membership.pk)
    )
    _require_tenant_admin(actor=actor, tenant=membership.tenant)
    _refuse_losing_the_last_admin(membership=membership)
    with tenant_context(membership.tenant):
        owned = list(
            Milestone.objects.filter(owner=membership.user)
            .exclude(status__in=Milestone.CLOSED)
            .values_list("title", flat=True)[:5]
        )
        if owned:
            raise RuleBroken(
                f"{membership.user} still owns open milestones: "
                f"{'; '.join(owned)}. Reassign them first."
            )
        for seat in EngagementMember.objects.filter(user=membership.user):
            audit.record_deleted(actor=actor, instance=seat)
            seat.delete()
    audit.record_deleted(actor=actor, instance=membership)
    membership.delete()


# --- Login throttling -------------------------------------------------------------------------
# Failures are counted per username and per client address, so that neither guessing one
# account's password nor spraying many accounts from one address gets far.


def _failure_keys(*, username: str, address: str) -> list[str]:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}", f"login-fail:addr:{address}"]


def login_locked_out(*, username: str, address: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    counts = cache.get_many(_failure_keys(username=username, address=address))
    # The address gets more room: an office shares one address.
    user_key, addr_key = _failure_keys(username=username, address=address)
    return counts.get(user_key, 0) >= limit or counts.get(addr_key, 0) >= limit * 4


def record_failed_login(*, username: str, address: str) -> None:
    for key in _failure_keys(username=username, address=address):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear_failed_logins(*, username: str, address: str) -> None:
    cache.delete(_failure_keys(username=username, address=address)[0])
