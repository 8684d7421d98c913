"""Reads of the API app: its tokens."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from api import tokens
from api.models import ApiToken
from kernel.errors import NotFound


def token_for_secret(secret: str) -> ApiToken | None:
    """The token this secret belongs to (revoked ones included), or None.

    Found by its non-secret prefix, then compared in constant time with the stored digest.
    """
    prefix = tokens.prefix_of(secret)
    if prefix is None:
        return None
    token = ApiToken.authenticating.filter(prefix=prefix).select_related("user").first()
    if token is None or not tokens.matches(secret, token.digest):
        return None
    return token


def tokens_of_tenant() -> QuerySet[ApiToken]:
    """The active tenant's tokens (tenant admins manage them all)."""
    return ApiToken.objects.select_related("user", "created_by")


def get_token(*, public_id: uuid.UUID | str) -> ApiToken:
    token = tokens_of_tenant().filter(public_id=public_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token
