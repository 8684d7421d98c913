"""Who may call the API at all; what each caller may do is asked of the services."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import ApiToken


class ApiAccess(BasePermission):
    """A caller signed in (token or session) inside a tenant; a read-only token only reads.

    Decided before any object is looked up, so a refusal says nothing about what exists.
    """

    message = "This API token is read-only."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return not (token is not None and token.read_only and request.method not in SAFE_METHODS)
