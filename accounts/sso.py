"""Single sign-on per tenant through django-allauth's openid_connect provider.

Each tenant's SingleSignOn row becomes one allauth app (built in memory here, its secret
decrypted or read from the environment only then): ``/accounts/oidc/sso-<slug>/login/``.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from accounts.models import Membership, SingleSignOn, User

PROVIDER = "openid_connect"


def _fernet() -> Fernet:
    key = hashlib.sha256(settings.SSO_SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def client_secret(sso: SingleSignOn) -> str:
    """The secret sent to the provider: from the environment variable named, else decrypted."""
    if sso.client_secret_env:
        return os.environ.get(sso.client_secret_env, "")
    try:
        return _fernet().decrypt(sso.client_secret_encrypted.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


def sign_on_for_domain(email: str) -> SingleSignOn | None:
    """The enabled sign-on of the tenant that owns the e-mail's domain, if one does."""
    domain = domain_of(email)
    if not domain:
        return None
    for sso in SingleSignOn.objects.filter(enabled=True).select_related("tenant"):
        if domain in sso.allowed_domains:
            return sso
    return None


def sign_on_for_provider(provider_id: str) -> SingleSignOn | None:
    slug = provider_id.removeprefix("sso-")
    return (
        SingleSignOn.objects.filter(enabled=True, tenant__slug=slug)
        .select_related("tenant")
        .first()
    )


def apps(*, provider=None, client_id=None) -> list:
    """allauth apps for the enabled sign-ons (unsaved SocialApp rows)."""
    from allauth.socialaccount.models import SocialApp

    found = []
    for sso in SingleSignOn.objects.filter(enabled=True).select_related("tenant"):
        if provider not in (None, PROVIDER, sso.provider_id):
            continue
        if client_id is not None and client_id != sso.client_id:
            continue
        found.append(
            SocialApp(
                provider=PROVIDER,
                provider_id=sso.provider_id,
                name=sso.tenant.name,
                client_id=sso.client_id,
                secret=client_secret(sso),
                settings={"server_url": sso.issuer},
            )
        )
    return found


def local_password_allowed(user: User) -> bool:
    """Platform admins always keep their password (break-glass); anyone else not while a
    tenant of theirs signs its people in only through its provider."""
    if user.is_superuser:
        return True
    return not Membership.objects.filter(
        user=user,
        tenant__single_sign_on__enabled=True,
        tenant__single_sign_on__local_passwords=False,
    ).exists()
