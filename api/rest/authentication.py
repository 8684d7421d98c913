"""The API's one token authentication: ``Authorization: Bearer <token>``."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from api import selectors, services

REFUSED = "Unknown or revoked API token."


class BearerTokenAuthentication(BaseAuthentication):
    """A token pinned to one tenant: ``request.auth`` is the ApiToken, whose ``tenant_id``
    ``TenantScopedAPIMixin`` enters. A missing, unknown or revoked token answers 401."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the token as: Authorization: Bearer <token>.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as garbled:
            raise AuthenticationFailed(REFUSED) from garbled
        token = selectors.token_for_secret(secret)
        if token is None or not token.is_active or not token.user.is_active:
            raise AuthenticationFailed(REFUSED)
        services.record_token_use(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
