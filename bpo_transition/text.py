"""Text in and out: whitespace is not a value; sizes in words."""

from __future__ import annotations

from bpo_transition.errors import InvalidInput
from bpo_transition.validation import no_nul


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
