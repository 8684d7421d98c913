"""The shape of an API token and how it is hashed: ``bpo_<prefix>_<secret>``.

The prefix is not secret (it finds the row and names the token in lists); the whole token is
stored only as an HMAC-SHA256 digest under ``settings.API_TOKEN_HMAC_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

TOKEN_PATTERN = re.compile(r"^bpo_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


def new_token() -> tuple[str, str]:
    """A fresh token and its prefix."""
    prefix = secrets.token_hex(6)
    return f"bpo_{prefix}_{secrets.token_urlsafe(32)}", prefix


def digest_of(token: str) -> str:
    key = settings.API_TOKEN_HMAC_KEY.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def prefix_of(token: str) -> str | None:
    """The prefix of a well-formed token; None for anything else."""
    match = TOKEN_PATTERN.match(token)
    return match["prefix"] if match else None


def matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(token), digest)
