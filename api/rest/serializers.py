"""The request kit of the API's resources (``<domain>/api.py``): how a body is read.

UUIDs for every object and every parent (``engagement``, ``owner``, ...), enums as lower-case
words, dates as ``YYYY-MM-DD`` and timestamps in ISO 8601 with their offset. Every request
serializer refuses fields it does not know, naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail

from kernel.text import LONE_SURROGATE, unstorable_text
from kernel.validation import unknown_fields


def related_id(source: str, **kwargs: Any) -> serializers.UUIDField:
    """The public id of the object at ``source``, read only."""
    return serializers.UUIDField(source=f"{source}.public_id", read_only=True, **kwargs)


class StrictSerializer(serializers.Serializer):
    """A request body, every bad field named in one answer.

    A field this serializer does not know is refused, naming it. A text field takes a JSON
    string only (never a number taken as text) holding text the kernel can keep
    (``kernel.text.unstorable_text``); no field echoes invalid Unicode back. Then
    ``resolve_references`` looks up what the fields that parsed name (an engagement, an
    owner...) with the caller's ``actor`` and ``tenant`` from the context, so a malformed date
    and an unknown owner are named together. ``validated_data`` holds the objects found.
    """

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # the refusal of a body that is no object
        values: dict[str, Any] = {}
        parsed: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for field in self._writable_fields:
            primitive = field.get_value(data)
            refused = _text_refusal(field, primitive)
            if refused:
                errors[field.field_name] = [refused]
                continue
            try:
                validated = field.run_validation(primitive)
            except serializers.ValidationError as invalid:
                errors[field.field_name] = invalid.detail
            except DjangoValidationError as invalid:
                errors[field.field_name] = get_error_detail(invalid)
            except SkipField:
                pass
            else:
                parsed[field.field_name] = validated
                self.set_value(values, field.source_attrs, validated)
        for name, found in self.resolve_references(parsed, errors).items():
            values[name] = found
        errors.update(unknown_fields(data, self.fields))
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def resolve_references(self, parsed: dict[str, Any], errors: dict[str, Any]) -> dict:
        """The objects that the parsed fields name, by field name; a field naming nothing
        the caller may use gets its message in ``errors``. Fields already in ``errors`` and
        those that depend on them are left alone."""
        return {}

    @property
    def actor(self):
        return self.context["actor"]

    @property
    def tenant(self):
        return self.context["tenant"]


def _text_refusal(field: serializers.Field, primitive: Any) -> str | None:
    """Why a text value is refused before its field reads it, or None."""
    if primitive is empty or primitive is None:
        return None
    if isinstance(field, serializers.CharField):
        if not isinstance(primitive, str):
            return "Not a valid string."
        return unstorable_text(primitive)
    if isinstance(primitive, str) and LONE_SURROGATE.search(primitive):
        return "Not valid Unicode text."
    return None


class EmptySerializer(StrictSerializer):
    """An action that takes no input: the body is empty or ``{}``."""


def iso(value) -> str | None:
    """As DRF writes timestamps: ISO 8601, UTC written as ``Z``."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
