"""What the writes of every register check alike: the version the editor saw, and the person a
required field names."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from kernel.errors import StaleVersion


def person(instance: Any, field: str) -> User | None:
    """The person a required foreign key names, or None when it names nobody yet."""
    return getattr(instance, field) if getattr(instance, f"{field}_id") is not None else None


def check_version(*, instance: Any, expected_version: int | None, label: str) -> None:
    if expected_version is not None and int(expected_version) != instance.version:
        raise StaleVersion(
            f"“{label}” was changed by someone else (version {instance.version}, you edited "
            f"{expected_version}). Reload it and make your change again."
        )
