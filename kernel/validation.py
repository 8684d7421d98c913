"""Input checks every service shares: each refusal is an ``InvalidInput`` naming the field,
raised before anything is written (never a database error on the way out)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Container, Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

from kernel.errors import InvalidInput

NUL = "\x00"
SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


def refuse(field: str, message: str, field_message: str | None = None) -> InvalidInput:
    return InvalidInput(message, errors={field: [field_message or message]})


def only_fields(changes: object, allowed: set[str] | frozenset[str]) -> None:
    """The one unknown-field check: every name in ``changes`` is one of ``allowed``; any other
    is refused, each named beside its field, before anything is read or written."""
    errors = unknown_fields(sorted(set(changes)), allowed)
    if errors:
        raise InvalidInput(f"Unknown field(s): {', '.join(errors)}.", errors=errors)


def unknown_fields(names: Iterable[object], allowed: Container[str]) -> dict[str, list[str]]:
    """The unknown-field check as errors by field, in the order of ``names``, for a reader
    that gathers every refusal of a body before answering (the API's request serializers)."""
    return {str(name): ["Unknown field."] for name in names if name not in allowed}


def no_nul(**fields: object) -> None:
    """Text holds no NUL character (PostgreSQL cannot store one): refused, naming each field."""
    bad = [field for field, value in fields.items() if isinstance(value, str) and NUL in value]
    if bad:
        raise InvalidInput(
            f"{', '.join(bad)}: text cannot contain a NUL character.",
            errors={field: ["Remove the NUL character (\\0) from this text."] for field in bad},
        )


def a_date(value: object, *, field: str, label: str) -> datetime.date:
    """A date (a ``date`` or an ISO ``YYYY-MM-DD`` string); missing or malformed is refused."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise refuse(field, f"{label} is not a date.", "Enter a date (YYYY-MM-DD).") from None
    raise refuse(field, f"{label} is required.", "Enter a date (YYYY-MM-DD).")


def not_before(
    value: datetime.date, earliest: datetime.date, *, field: str, label: str, earliest_label: str
) -> None:
    """``value`` is on or after ``earliest`` (say, a due date and the contract's day 0)."""
    if value < earliest:
        raise refuse(
            field,
            f"{label} ({value.isoformat()}) is before {earliest_label} ({earliest.isoformat()}).",
            f"Choose {earliest.isoformat()} ({earliest_label}) or later.",
        )


def a_number(
    value: object, *, field: str, label: str, max_digits: int = 14, decimal_places: int = 4
) -> Decimal:
    """A finite number that fits ``max_digits``/``decimal_places`` (the column it goes to)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise refuse(field, f"{label} is required.", "Enter a number.")
    if isinstance(value, bool):
        raise refuse(field, f"{label} is not a number.", "Enter a number.")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise refuse(field, f"{label} is not a number.", "Enter a number.") from None
    if not number.is_finite():
        raise refuse(field, f"{label} is not a number.", "Enter a number.")
    limit = Decimal(10) ** (max_digits - decimal_places)
    if abs(number) >= limit:
        raise refuse(field, f"{label} is too large.", f"Enter a number smaller than {limit:,}.")
    return number.quantize(Decimal(1).scaleb(-decimal_places))


def a_slug(value: object, *, field: str, label: str, max_length: int) -> str:
    """Letters, digits, hyphens and underscores, at most ``max_length`` characters."""
    slug = value.strip() if isinstance(value, str) else ""
    if not slug:
        raise refuse(field, f"{label} is required.", "This field is required.")
    no_nul(**{field: slug})
    if len(slug) > max_length:
        raise refuse(
            field,
            f"{label} is {len(slug)} characters long; at most {max_length} are allowed.",
            f"Use at most {max_length} characters.",
        )
    if not SLUG.match(slug):
        raise refuse(
            field,
            f"“{slug}” is not a valid {label.lower()}.",
            "Use only letters, digits, hyphens and underscores.",
        )
    return slug


def check_fields(instance, *, validate_unique: bool = True, checked: tuple[str, ...] = ()) -> None:
    """Run the model's field validation, answering with InvalidInput naming each bad field.

    ``checked`` names fields the service has already vouched for (related rows it loaded
    itself), which need no query to prove they exist.
    """
    # PostgreSQL refuses a NUL in text: say which field holds one instead.
    no_nul(
        **{
            field.name: getattr(instance, field.attname)
            for field in instance._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        }
    )
    try:
        instance.full_clean(exclude=["tenant", *checked], validate_unique=validate_unique)
    except ValidationError as invalid:
        errors = {
            field: [str(message) for message in messages]
            for field, messages in invalid.message_dict.items()
        }
        first_field, first_messages = next(iter(errors.items()))
        raise InvalidInput(f"{first_field}: {first_messages[0]}", errors=errors) from invalid
