"""Idempotency keys: a POST retried with the same ``Idempotency-Key`` does its work once.

The key is claimed inside the transaction of the work it guards. A concurrent retry blocks
on the unique constraint until the first request commits (then it replays the stored
response) or rolls back (then it does the work itself). Only a successful response is stored:
a refused request changed nothing, so its retry simply runs again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from api.models import IdempotencyKey

KEY_LIFETIME = datetime.timedelta(hours=24)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("ETag", "Location")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, str]


class KeyReused(Exception):
    """The key was used with another request (method, path or body)."""


def fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _insert(*, caller: str, key: str, fingerprint: str) -> IdempotencyKey:
    with transaction.atomic():
        return IdempotencyKey.objects.create(
            caller=caller, key=key, fingerprint=fingerprint, created_at=timezone.now()
        )


def claim(*, caller: str, key: str, fingerprint: str) -> IdempotencyKey | StoredResponse:
    """The new key to do the work under, or the response the first request stored.

    Call inside the transaction that does the work.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Claim an idempotency key inside the transaction of the work.")
    try:
        return _insert(caller=caller, key=key, fingerprint=fingerprint)
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.select_for_update().get(caller=caller, key=key)
    if existing.created_at < timezone.now() - KEY_LIFETIME:
        existing.delete()
        return _insert(caller=caller, key=key, fingerprint=fingerprint)
    if existing.fingerprint != fingerprint:
        raise KeyReused
    return StoredResponse(
        status=existing.response_status,
        body=json.loads(existing.response_body) if existing.response_body else None,
        headers=existing.response_headers,
    )


def purge_expired() -> int:
    """Drop every tenant's keys older than their lifetime; they answer nothing any more.

    Housekeeping across tenants, so it reads no tenant's rows: a plain DELETE by age.
    """
    cutoff = timezone.now() - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey._base_manager.filter(created_at__lt=cutoff).delete()
    return deleted


def store(*, claimed: IdempotencyKey, status: int, body: Any, headers: dict[str, str]) -> None:
    claimed.response_status = status
    claimed.response_body = json.dumps(body, cls=JSONEncoder) if body is not None else ""
    claimed.response_headers = {
        name: headers[name] for name in REPLAYED_HEADERS if headers.get(name) is not None
    }
    claimed.save(update_fields=["response_status", "response_body", "response_headers"])
