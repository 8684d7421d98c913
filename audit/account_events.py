"""Sign-ins, sign-in failures, second-factor changes and session ends as audit events.

django-allauth and Django say when these happen (signals); each becomes an event in every
tenant the person belongs to (``audit.services.record_account_event``). A failed sign-in under a
username nobody has is logged, never written into a tenant. Connected in ``AuditConfig.ready``.
"""

from __future__ import annotations

import logging

from allauth.mfa.models import Authenticator
from django.db.models import Q

from accounts.models import User
from accounts.network import client_address
from accounts.sessions import describe_device
from accounts.signals import own_session_end_announced
from audit.services import record_account_event

log = logging.getLogger("audit.accounts")

# What the tenant admins' security log shows, by operation (the kind filter offers these).
KINDS = {
    "account.signed_in": "Signed in",
    "account.sign_in_failed": "Sign-in failed",
    "account.second_factor_added": "Second factor added",
    "account.second_factor_removed": "Second factor removed",
    "account.recovery_codes_regenerated": "Recovery codes regenerated",
    "account.session_ended": "Session ended",
    "membership.removed": "Removed from the tenant",
    "single_sign_on.configured": "Single sign-on configured",
    "tenant.policy_changed": "Sign-in or gate policy changed",
}

FACTORS = {
    Authenticator.Type.TOTP: "Authenticator app",
    Authenticator.Type.RECOVERY_CODES: "Recovery codes",
    "webauthn": "Security key",
}

_USED_SECOND_FACTOR = "_audit_used_second_factor"


def _where(request) -> dict[str, str]:
    if request is None:
        return {}
    return {
        "address": client_address(request),
        "device": describe_device(request.META.get("HTTP_USER_AGENT", "")),
    }


def signed_in(sender, request, user, **kwargs) -> None:
    """allauth's ``user_logged_in``: by password (and a second factor) or single sign-on."""
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        method = "Single sign-on"
    elif getattr(request, _USED_SECOND_FACTOR, False):
        method = "Password and second factor"
    else:
        method = "Password"
    record_account_event(
        operation="account.signed_in",
        person=user,
        actor=user,
        details={"method": method, **_where(request)},
    )


def second_factor_used(sender, request, user, authenticator, **kwargs) -> None:
    if request is not None:
        setattr(request, _USED_SECOND_FACTOR, True)


def _person_named(credentials: dict) -> User | None:
    name = str(credentials.get("username") or "").strip()
    if name:
        return User.objects.filter(username__iexact=name).order_by("pk").first()
    email = str(credentials.get("email") or "").strip()
    if email:
        return User.objects.filter(Q(email__iexact=email)).order_by("pk").first()
    return None


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """Django's ``user_login_failed`` (a wrong password). Nobody by that name: only logged."""
    person = _person_named(credentials or {})
    if person is None:
        log.info("failed sign-in for an unknown username from %s", _where(request).get("address"))
        return
    record_account_event(
        operation="account.sign_in_failed",
        person=person,
        actor=None,
        details={"reason": "Wrong password", **_where(request)},
    )


def second_factor_failed(sender, request, user, authenticator, **kwargs) -> None:
    """allauth's MFA ``authentication_failed``: a wrong or reused code."""
    reason = f"Wrong {FACTORS.get(authenticator.type, 'second factor').lower()} code"
    if kwargs.get("reauthentication"):
        reason += " (confirming a sensitive change)"
    record_account_event(
        operation="account.sign_in_failed",
        person=user,
        actor=None,
        details={"reason": reason, **_where(request)},
    )


def _factor_changed(operation: str, request, user, authenticator) -> None:
    record_account_event(
        operation=operation,
        person=user,
        actor=user,
        details={"factor": FACTORS.get(authenticator.type, authenticator.type), **_where(request)},
    )


def second_factor_added(sender, request, user, authenticator, **kwargs) -> None:
    _factor_changed("account.second_factor_added", request, user, authenticator)


def second_factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    _factor_changed("account.second_factor_removed", request, user, authenticator)


def recovery_codes_regenerated(sender, request, user, authenticator, **kwargs) -> None:
    _factor_changed("account.recovery_codes_regenerated", request, user, authenticator)


def session_ended(sender, user, session, by, tenant_id, **kwargs) -> None:
    """``accounts.signals.session_ended``: from the sessions page, or by leaving a tenant."""
    details = {
        "how": "Ended by the person" if tenant_id is None else "Removed from the tenant",
        "address": session.ip,
        "device": describe_device(session.user_agent),
    }
    record_account_event(
        operation="account.session_ended",
        person=user,
        actor=by,
        details=details,
        tenant_ids=None if tenant_id is None else [tenant_id],
    )


def signed_out(sender, request, user, **kwargs) -> None:
    """Django's ``user_logged_out``: the person signed out (ending this session)."""
    if user is None or own_session_end_announced(request):
        return
    record_account_event(
        operation="account.session_ended",
        person=user,
        actor=user,
        details={"how": "Signed out", **_where(request)},
    )


def connect() -> None:
    from allauth.account.signals import user_logged_in
    from allauth.mfa import signals as mfa
    from django.contrib.auth.signals import user_logged_out, user_login_failed

    from accounts import signals as accounts

    pairs = (
        (user_logged_in, signed_in),
        (user_login_failed, sign_in_failed),
        (user_logged_out, signed_out),
        (mfa.authenticator_used, second_factor_used),
        (mfa.authentication_failed, second_factor_failed),
        (mfa.authenticator_added, second_factor_added),
        (mfa.authenticator_removed, second_factor_removed),
        (mfa.authenticator_reset, recovery_codes_regenerated),
        (accounts.session_ended, session_ended),
    )
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"audit.account_events.{receiver.__name__}")
