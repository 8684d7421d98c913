"""django-allauth's hooks: how sign-in fits this project (the library does the work)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from accounts.network import client_address


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The wording people saw before the library: tests and habits rely on it.
        "username_password_mismatch": (
            "Please enter a correct username and password. Note that both fields may be "
            "case-sensitive."
        ),
    }

    def __init__(self, request=None):
        super().__init__(request)
        self.error_messages = {
            **self.error_messages,
            "too_many_login_attempts": (
                "Too many failed sign-in attempts. Wait "
                f"{settings.LOGIN_LOCKOUT_SECONDS // 60} minutes before trying again."
            ),
        }

    def is_open_for_signup(self, request) -> bool:
        # People join a tenant by invitation (transition.views.people), never by signing up.
        return False

    def get_client_ip(self, request) -> str:
        # The failure count per address must see through our proxies (settings.TRUSTED_PROXIES)
        # and never trust a header from anyone else.
        return client_address(request)

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        # "Successfully signed in as ..." on every page after sign-in says nothing new.
        if message_template and message_template.endswith(("logged_in.txt", "logged_out.txt")):
            return
        super().add_message(request, level, message_template, *args, **kwargs)
