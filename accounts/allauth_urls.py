"""The pages of django-allauth this project uses, under the names the library reverses.

Only these: no sign-up (people join by invitation), no e-mail management. Mounted at the
site's root, without a namespace (the library asks for ``account_login``, ``mfa_index`` ...).
"""

from allauth.account import views as allauth_views
from django.urls import include, path

from accounts import sso_views, views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="account_login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="account_logout"),
    path("accounts/inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("accounts/signup/", views.no_signup, name="account_signup"),
    path("accounts/reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    # Two-factor: its page, the code asked at sign-in, TOTP on and off, recovery codes.
    path("accounts/two-factor/", include("allauth.mfa.urls")),
    # Single sign-on: a tenant's OpenID Connect provider (accounts.sso).
    path("accounts/sso/", sso_views.sso_start, name="sso-start"),
    path(
        "accounts/oidc/<slug:provider_id>/login/",
        sso_views.oidc_login,
        name="openid_connect_login",
    ),
    path(
        "accounts/oidc/<slug:provider_id>/login/callback/",
        sso_views.oidc_callback,
        name="openid_connect_callback",
    ),
]
