"""django-allauth's hooks: how sign-in fits this project (the library does the work)."""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import render

from accounts import sso
from accounts.middleware import ActiveTenantMiddleware
from accounts.models import Membership, User
from accounts.network import client_address

log = logging.getLogger("accounts.sso")


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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on per tenant: each tenant's provider signs in only the e-mail domains the
    tenant owns; a new person joins that tenant with the role its admins chose."""

    def list_apps(self, request, provider=None, client_id=None):
        return sso.apps(provider=provider, client_id=client_id)

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def _sign_on(self, sociallogin):
        return sso.sign_on_for_provider(sociallogin.account.provider)

    def _email(self, sociallogin) -> str:
        email = sociallogin.user.email or ""
        if not email and sociallogin.email_addresses:
            email = sociallogin.email_addresses[0].email
        return email.strip().lower()

    def _refuse(self, request, message: str):
        raise ImmediateHttpResponse(
            render(request, "accounts/sso_refused.html", {"message": message}, status=403)
        )

    def pre_social_login(self, request, sociallogin) -> None:
        sign_on = self._sign_on(sociallogin)
        if sign_on is None:
            self._refuse(request, "This single sign-on is not configured any more.")
        email = self._email(sociallogin)
        if sso.domain_of(email) not in sign_on.allowed_domains:
            self._refuse(
                request,
                f"{sign_on.tenant.name}'s sign-on does not cover the e-mail address "
                f"“{email or 'none given'}”: ask your administrator.",
            )
        sociallogin.user.email = email
        if not sociallogin.is_existing:
            existing = User.objects.filter(email__iexact=email).order_by("pk").first()
            if existing is not None:
                sociallogin.connect(request, existing)
        if sociallogin.is_existing:
            Membership.objects.get_or_create(
                user=sociallogin.user, tenant=sign_on.tenant, defaults={"role": sign_on.first_role}
            )
        request.session[ActiveTenantMiddleware.SESSION_KEY] = sign_on.tenant_id

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.username = (data.get("email") or user.username or "").lower()[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        sign_on = self._sign_on(sociallogin)
        Membership.objects.get_or_create(
            user=user, tenant=sign_on.tenant, defaults={"role": sign_on.first_role}
        )
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        log.warning("single sign-on through %s failed: %s %s", provider, error, exception)
