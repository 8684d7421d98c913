"""The demo's security log: a few weeks of sign-ins, a mistyped password, PMO setting up an
authenticator, a session ended from another device, and the admin preparing single sign-on
(switched off: nothing answers at the demo's provider). Tenant admins read it under Members."""

from __future__ import annotations

import datetime

from accounts.models import User
from audit.services import record_account_event
from transition.demo.clock import demo_anchor, moment_on, on_the_day
from transition.services import configure_single_sign_on

LAPTOP = {"device": "Edge on Windows", "address": "203.0.113.24"}
PHONE = {"device": "Safari on iPhone", "address": "198.51.100.61"}


def add_demo_security_log(*, tenant, users: dict[str, User]) -> None:
    today = demo_anchor()

    def on(days_ago: int, hour: int, minute: int = 0):
        return on_the_day(moment_on(today - datetime.timedelta(days=days_ago), hour, minute))

    pmo, admin, client = users["pmo"], users["admin"], users["client.lead"]
    with on(20, 8, 55):
        record_account_event(
            operation="account.signed_in",
            person=pmo,
            actor=pmo,
            details={"method": "Password", **LAPTOP},
        )
    with on(20, 9, 2):
        record_account_event(
            operation="account.second_factor_added",
            person=pmo,
            actor=pmo,
            details={"factor": "Authenticator app", **LAPTOP},
        )
    with on(12, 7, 41):
        record_account_event(
            operation="account.sign_in_failed",
            person=client,
            actor=None,
            details={"reason": "Wrong password", **PHONE},
        )
    with on(12, 7, 42):
        record_account_event(
            operation="account.signed_in",
            person=client,
            actor=client,
            details={"method": "Password", **PHONE},
        )
    with on(6, 18, 10):
        record_account_event(
            operation="account.session_ended",
            person=client,
            actor=client,
            details={"how": "Ended by the person", **PHONE},
        )
    with on(3, 10, 30):
        configure_single_sign_on(
            actor=admin,
            tenant=tenant,
            enabled=False,
            issuer="https://login.microsoftonline.com/7d1c4f52-0000-4000-8000-000000000000/v2.0",
            client_id="6f1c2b1e-5a4d-4b7e-9c1f-000000000001",
            client_secret_env="ACME_OIDC_SECRET",  # noqa: S106 (a variable's name)
            allowed_domains="acme-care.example",
        )
    with on(1, 8, 50):
        record_account_event(
            operation="account.signed_in",
            person=pmo,
            actor=pmo,
            details={"method": "Password and second factor", **LAPTOP},
        )
