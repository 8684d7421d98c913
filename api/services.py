"""Issuing and revoking API tokens (tenant admins, or an operator at the command line)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import Tenant, User
from accounts.permissions import belongs_to_tenant
from api import tokens
from api.models import ApiToken
from audit import services as audit
from audit.services import operation
from engagements.permissions import require_tenant_admin
from kernel.errors import InvalidInput, RuleBroken, found
from kernel.tenancy import tenant_context
from kernel.text import required

# A token's last use is written at most this often: a busy consumer does not write a row on
# every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@operation("api_token.created", tenant_of="tenant")
def issue_token(
    *, actor: User | None, tenant: Tenant, user: User, name: str, read_only: bool = False
) -> tuple[ApiToken, str]:
    """A new token for a member of the tenant; the token itself is returned only here.

    ``actor`` is a tenant admin; None is a platform operator at the command line.
    """
    if actor is not None:
        require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="issue API tokens")
    name = required(name, field="name", message="Name the token (what uses it).")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise InvalidInput("The name is too long.", errors={"name": ["At most 100 characters."]})
    if not belongs_to_tenant(user=user, tenant_id=tenant.pk):
        raise InvalidInput(
            f"{user} is not a member of {tenant}.",
            errors={"user": ["A token belongs to a member of this tenant."]},
        )
    secret, prefix = tokens.new_token()
    token = ApiToken.objects.create(
        tenant=tenant,
        user=user,
        name=name,
        prefix=prefix,
        digest=tokens.digest_of(secret),
        read_only=read_only,
        created_by=actor,
    )
    audit.record_created(actor=actor, instance=token)
    return token, secret


@operation("api_token.revoked", tenant_of="token")
def revoke_token(*, actor: User | None, token: ApiToken) -> ApiToken:
    """The token stops working at once; it stays listed, revoked."""
    token = found(ApiToken.objects.select_for_update(), "No such token.", pk=token.pk)
    if actor is not None:
        require_tenant_admin(actor=actor, tenant_id=token.tenant_id, doing="revoke API tokens")
    if token.revoked_at is not None:
        raise RuleBroken(f"The token {token.prefix} was already revoked.")
    audit.change(actor=actor, instance=token, revoked_at=timezone.now())
    return token


def revoke_tokens_of(*, actor: User | None, tenant_id: int, user: User) -> list[ApiToken]:
    """Every live token of ``user`` in the tenant stops working (the person left it); each
    stays listed, revoked, with its event. Called inside the caller's operation."""
    revoked = list(
        ApiToken.objects.select_for_update().filter(
            tenant_id=tenant_id, user=user, revoked_at__isnull=True
        )
    )
    now = timezone.now()
    for token in revoked:
        audit.change(actor=actor, instance=token, revoked_at=now)
    return revoked


def record_token_use(*, token: ApiToken) -> None:
    """Remember when the token was last used, at most once a minute.

    Bookkeeping, not a change to the tenant's data: no event. The update is conditional so
    that concurrent requests write it once.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    with tenant_context(token.tenant_id):
        stale = ApiToken.objects.filter(pk=token.pk).exclude(
            last_used_at__gt=now - LAST_USED_RESOLUTION
        )
        stale.update(last_used_at=now)
    token.last_used_at = now
