"""Signing in through a tenant's provider: find it from the e-mail's domain, then
django-allauth's openid_connect views, with the ID token's signature always checked and an
unreachable provider answered with a page that says so."""

from __future__ import annotations

import logging
import secrets

import jwt
import requests
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.utils import respond_to_login_on_get
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import sso
from accounts.forms import LoginForm, SignOnStartForm

log = logging.getLogger("accounts.sso")


class CheckedOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's adapter, stricter: the provider must state the issuer the tenant configured,
    the ID token's signature is checked even though it came straight from the provider
    (the library skips that check then, as the specification allows), and the token must
    carry the nonce this sign-in sent (the library sends none)."""

    # The nonce of the sign-in being completed, from its state (NonceCallbackView).
    expected_nonce: str | None = None

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        claims = self._verified_claims(app, id_token)
        nonce = claims.get("nonce")
        if not self.expected_nonce or not isinstance(nonce, str):
            raise OAuth2Error("The ID token carries no nonce, or this sign-in sent none.")
        if not secrets.compare_digest(nonce, self.expected_nonce):
            raise OAuth2Error("The ID token's nonce is not this sign-in's (a replayed token).")
        return claims

    @property
    def openid_config(self):
        config = super().openid_config
        expected = self.get_provider().app.settings["server_url"].rstrip("/")
        if str(config.get("issuer", "")).rstrip("/") != expected:
            raise OAuth2Error(
                f"The provider states the issuer {config.get('issuer')!r}, not {expected!r}."
            )
        return config

    def _verified_claims(self, app: SocialApp, id_token: str) -> dict:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as bad:
            raise OAuth2Error(f"The ID token is not a JWT: {bad}") from bad
        if header.get("kid"):
            return jwtkit.verify_and_decode(
                credential=id_token,
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        # No key named: only a provider with a single signing key may leave it out.
        with get_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            keys = response.json().get("keys", [])
        if len(keys) != 1 or header.get("alg") != keys[0].get("alg", "RS256"):
            raise OAuth2Error("The ID token names no signing key.")
        key = jwtkit.lookup_kid_jwk({"keys": keys}, keys[0].get("kid"))
        try:
            return jwt.decode(
                id_token,
                key=key,
                algorithms=[header["alg"]],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as refused:
            raise OAuth2Error(f"Invalid ID token: {refused}") from refused


def _unreachable(request: HttpRequest, provider_id: str) -> HttpResponse:
    sign_on = sso.sign_on_for_provider(provider_id)
    return render(
        request,
        "accounts/sso_refused.html",
        {
            "message": (
                f"{sign_on.tenant.name if sign_on else 'Your organisation'}'s sign-in provider "
                "did not answer. Try again in a few minutes; if it goes on, tell your "
                "administrator."
            )
        },
        status=502,
    )


class NonceLoginView(OAuth2LoginView):
    """allauth's redirect to the provider, with a fresh nonce in the request and in the
    sign-in's state (used once: the state is dropped when the provider answers)."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        provider = self.get_provider()
        response = respond_to_login_on_get(request, provider)
        if response:
            return response
        redirect_kwargs = provider.get_redirect_from_request_kwargs(request)
        nonce = secrets.token_urlsafe(32)
        redirect_kwargs["auth_params"] = {
            **(redirect_kwargs.get("auth_params") or {}),
            "nonce": nonce,
        }
        return provider.redirect(request, nonce=nonce, **redirect_kwargs)


class NonceCallbackView(OAuth2CallbackView):
    """allauth's callback, handing the sign-in's nonce (from its state) to the adapter."""

    def _get_state(self, request: HttpRequest, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


def _run(view_class, request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = view_class.adapter_view(CheckedOpenIDConnectAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404("No such sign-on.") from None
    except (requests.RequestException, OAuth2Error, ValueError, KeyError) as failure:
        log.warning("single sign-on %s: %r", provider_id, failure)
        return _unreachable(request, provider_id)


@login_not_required
def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _run(NonceLoginView, request, provider_id)


@login_not_required
def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _run(NonceCallbackView, request, provider_id)


def _login_page(request: HttpRequest, sso_form: SignOnStartForm) -> HttpResponse:
    context = {"form": LoginForm(request=request), "sso_form": sso_form}
    return render(request, "accounts/login.html", context, status=400)


@require_POST
def sso_start(request: HttpRequest) -> HttpResponse:
    """Sign in with your organisation: the provider of the tenant that owns your domain."""
    form = SignOnStartForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form)
    sign_on = sso.sign_on_for_domain(form.cleaned_data["email"])
    if sign_on is None:
        form.add_error(
            "email",
            "No organisation signs in through its own provider with this domain: use your "
            "username and password.",
        )
        return _login_page(request, form)
    url = reverse("openid_connect_login", kwargs={"provider_id": sign_on.provider_id})
    # A page that moves on by itself, not a redirect: the sign-in form may post only to this
    # site (Content-Security-Policy form-action 'self'), and browsers hold the redirects that
    # follow a form's submission to that too, so a redirect chain to the provider is blocked.
    return render(
        request,
        "accounts/sso_continue.html",
        {"url": f"{url}?process=login", "tenant_name": sign_on.tenant.name},
    )
