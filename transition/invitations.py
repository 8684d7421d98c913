"""Services for invitations: a tenant admin asks a person to join by e-mail.

A person who already has an account (the same e-mail) is added to the tenant at once; anyone
else gets a link, valid for ``settings.INVITATION_DAYS`` and once, where they choose a username
and password. Only the token's hash is stored.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from accounts.permissions import belongs_to_tenant
from audit import services as audit
from audit.services import operation
from engagements.permissions import require_tenant_admin
from kernel.errors import InvalidInput, NotFound, RuleBroken, found
from kernel.text import required, required_text
from transition.models import Invitation
from transition.services import add_membership


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationSent:
    """What inviting did: a membership for a person who had an account, else an invitation
    (and its token, which only the e-mail and the caller ever see)."""

    membership: Membership | None = None
    invitation: Invitation | None = None
    token: str | None = None


def _check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise InvalidInput(
            f"“{role}” is not a role.", errors={"role": ["Choose admin, pmo or member."]}
        )


def _send_invitation_email(
    *, invitation: Invitation, tenant: Tenant, inviter: User, link: str
) -> None:
    context = {
        "tenant": tenant,
        "inviter": inviter,
        "link": link,
        "role": invitation.get_role_display(),
        "expires_at": invitation.expires_at,
        "days": settings.INVITATION_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=f"{inviter} invites you to {tenant.name} on BPO Transition",
        body=render_to_string("transition/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("transition/email/invitation.html", context), "text/html"
    )
    message.send()


@operation("invitation.sent", tenant_of="tenant")
def invite_member(
    *, actor: User, tenant: Tenant, email: str, role: str, site_url: str
) -> InvitationSent:
    """Invite ``email`` with a tenant ``role``; ``site_url`` (scheme and host) starts the link.

    The e-mail leaves after the transaction commits: a refused or rolled-back invitation sends
    nothing. It is sent from this process, not a task, so that the token never sits in a queue.
    """
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="invite people")
    _check_role(role)
    email = User.objects.normalize_email(
        required(email, field="email", message="Give the person's e-mail address.")
    )
    existing = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
    if len(existing) > 1:
        raise InvalidInput(
            f"Several accounts use {email}.",
            errors={"email": ["Several accounts use this address; ask a platform operator."]},
        )
    if existing:
        if belongs_to_tenant(user=existing[0], tenant_id=tenant.pk, fresh=True):
            raise InvalidInput(
                f"{existing[0]} is already a member of {tenant}.",
                errors={"email": ["This person is already a member of this tenant."]},
            )
        return InvitationSent(
            membership=add_membership(actor=actor, tenant=tenant, user=existing[0], role=role)
        )
    now = timezone.now()
    # A new invitation replaces one still waiting for the same address.
    for earlier in Invitation.objects.select_for_update().filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        audit.change(actor=actor, instance=earlier, revoked_at=now, note="Replaced")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    try:
        invitation.full_clean(exclude=["tenant", "token_hash", "invited_by"])
    except ValidationError as invalid:
        raise InvalidInput(
            f"“{email}” is not an e-mail address.",
            errors={"email": ["Enter a valid e-mail address."]},
        ) from invalid
    invitation.save()
    audit.record_created(actor=actor, instance=invitation)
    link = site_url.rstrip("/") + reverse("people:accept-invitation", args=[token])
    transaction.on_commit(
        lambda: _send_invitation_email(
            invitation=invitation, tenant=tenant, inviter=actor, link=link
        )
    )
    return InvitationSent(invitation=invitation, token=token)


@operation("invitation.cancelled", tenant_of="invitation")
def cancel_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    invitation = found(
        Invitation.objects.select_for_update(), "No such invitation.", pk=invitation.pk
    )
    require_tenant_admin(actor=actor, tenant_id=invitation.tenant_id, doing="cancel invitations")
    if invitation.accepted_at is not None:
        raise RuleBroken(f"{invitation.email} has already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        audit.change(actor=actor, instance=invitation, revoked_at=timezone.now())
    return invitation


def invitation_for_token(*, token: str) -> Invitation:
    """The invitation a link names, whatever tenant is active: the token is the credential.

    A link that names nothing is NotFound; one used, cancelled or expired is RuleBroken.
    """
    invitation = (
        Invitation._base_manager.filter(token_hash=hash_token(token or ""))
        .select_related("tenant", "invited_by")
        .first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    return invitation


def refuse_unless_usable(*, invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise RuleBroken("This invitation has already been used. Sign in instead.")
    if invitation.revoked_at is not None:
        raise RuleBroken("This invitation was cancelled. Ask your admin for a new one.")
    if invitation.expires_at <= timezone.now():
        raise RuleBroken("This invitation has expired. Ask your admin for a new one.")


@operation("invitation.accepted", tenant_of="invitation")
def accept_invitation(
    *,
    invitation: Invitation,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """The invited person creates their account and joins the tenant with the role they were
    invited to; the link cannot be used again."""
    invitation = found(
        Invitation.objects.select_for_update(),
        "This invitation link is not valid.",
        pk=invitation.pk,
    )
    refuse_unless_usable(invitation=invitation)
    username = required_text(username=username)["username"]
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            f"The username “{username}” is taken.",
            errors={"username": ["This username is taken; choose another."]},
        )
    user = User(
        username=username,
        email=invitation.email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    try:
        validate_password(password, user=user)
    except ValidationError as weak:
        raise InvalidInput(weak.messages[0], errors={"password": weak.messages}) from weak
    user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as invalid:
        errors = {field: list(messages) for field, messages in invalid.message_dict.items()}
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors) from invalid
    user.save()
    membership = Membership.objects.create(
        user=user, tenant_id=invitation.tenant_id, role=invitation.role
    )
    audit.record_created(actor=user, instance=membership)
    audit.change(actor=user, instance=invitation, accepted_at=timezone.now(), accepted_by=user)
    return user
