from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache

from accounts.models import Membership, User
from kernel.errors import NotFound


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
