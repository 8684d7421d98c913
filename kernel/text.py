"""Text in and out: whitespace is not a value; sizes in words."""

from __future__ import annotations

import re

from kernel.errors import InvalidInput
from kernel.validation import no_nul

# C0 controls and DEL, except tab, line feed and carriage return, which are text.
CONTROL_CHARACTER = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Half of a UTF-16 pair: JSON can carry one ("\ud800"), UTF-8 and PostgreSQL cannot.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def unstorable_text(value: str) -> str | None:
    """Why ``value`` cannot be kept as text (a NUL, another control character, half of a
    surrogate pair), as the message to show beside its field; None when it can."""
    if "\x00" in value:
        return "Null characters are not allowed."
    if LONE_SURROGATE.search(value):
        return "Not valid Unicode text."
    if CONTROL_CHARACTER.search(value):
        return "Control characters are not allowed."
    return None


def required_text(**fields: str | None) -> dict[str, str]:
    """Each named value stripped; any that is empty or only whitespace is refused, naming it.

    ``name, client = required_text(name=name, client_name=client).values()``
    """
    no_nul(**fields)
    cleaned = {field: (value or "").strip() for field, value in fields.items()}
    missing = [field for field, value in cleaned.items() if not value]
    if missing:
        raise InvalidInput(
            f"Required: {', '.join(missing)}.",
            errors={field: ["This field is required."] for field in missing},
        )
    return cleaned


def required(
    value: str | None,
    *,
    field: str,
    message: str = "This field is required.",
    field_message: str | None = None,
) -> str:
    """One required text value, stripped; empty or blank is refused with ``message`` (and
    ``field_message`` beside the field, when it says more)."""
    no_nul(**{field: value})
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(message, errors={field: [field_message or message]})
    return cleaned


def size_in_words(size: int) -> str:
    """A number of bytes as people read it: ``10 MB``, ``9.77 KB``, ``100 bytes``."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"
