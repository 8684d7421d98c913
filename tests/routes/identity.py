"""Builders for identity (issue 21): a person's own sessions (another person's is not found)
and the sign-in through a tenant's provider."""

from allauth.usersessions.models import UserSession

from accounts.models import SingleSignOn
from tests.routes import populates, route


@populates
def sign_the_admin_in(world):
    UserSession.objects.create(
        user=world.admin,
        session_key=f"walk-{world.tenant.slug}"[:40],
        ip="192.0.2.10",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    )


# Ending one's own session signs it out and goes back to the list (302).
@route("accounts:end-session", method="post", status=302)
def end_session_action(world):
    session = UserSession.objects.get(user=world.admin, session_key__startswith="walk-")
    return f"/accounts/sessions/{session.pk}/end/"


@populates
def configure_single_sign_on(world):
    SingleSignOn.objects.create(
        tenant=world.tenant,
        issuer="http://127.0.0.1:9",  # nothing answers: the walk never reaches a provider
        client_id=f"walk-{world.tenant.slug}",
        client_secret_env="WALK_SECRET",
        allowed_domains=[f"{world.tenant.slug}.example"],
    )


@route("openid_connect_login")
def sso_login(world):
    return f"/accounts/oidc/{world.tenant.single_sign_on.provider_id}/login/"


@route("openid_connect_callback")
def sso_callback(world):
    return f"/accounts/oidc/{world.tenant.single_sign_on.provider_id}/login/callback/"


@populates
def record_a_sign_in(world):
    from audit.services import record_account_event

    record_account_event(
        operation="account.signed_in",
        person=world.admin,
        actor=world.admin,
        details={"method": "Password", "address": "192.0.2.10"},
        tenant_ids=[world.tenant.pk],
    )


# One person's security log: another tenant's person is not found.
@route("people:person-security-log")
def person_security_log(world):
    return f"/members/security-log/{world.pmo.public_id}/"


@populates
def register_a_security_key(world):
    from allauth.mfa.models import Authenticator

    # The bystander's (not the admin's or PMO's, whom the CSP walk signs in as: this key's
    # credential is made up, and their pages would try to use it).
    Authenticator.objects.create(
        user=world.bystander,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": f"Walk key {world.tenant.slug}", "credential": {}, "passwordless": False},
    )


# Removing a security key: another person's key is not found, whatever the session holds.
@route("mfa_remove_webauthn", method="post")
def remove_security_key(world):
    from allauth.mfa.models import Authenticator

    key = Authenticator.objects.get(user=world.bystander, type=Authenticator.Type.WEBAUTHN)
    return f"/accounts/two-factor/webauthn/keys/{key.pk}/remove/"


# Renaming a security key: the same (the walk posts; the password is asked for first).
@route("mfa_edit_webauthn", method="post")
def rename_security_key(world):
    return remove_security_key(world).replace("/remove/", "/edit/")
