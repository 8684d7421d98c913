"""The filter kit of the list endpoints (django-filter FilterSets); each resource declares its
own in ``<domain>/api.py``."""

from __future__ import annotations

import datetime

import django_filters as filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from kernel.text import unstorable_text


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with any offset, compared in UTC.

    PostgreSQL refuses offsets beyond about +-15:59 that Python accepts (``-21:42``): passed
    on, such a value would be a database error instead of an answer. In UTC every valid time
    is fine; one that does not fit in a year of 1..9999 is a 400.
    """

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as out_of_range:
            raise ValidationError(
                "Enter a time between the years 1 and 9999.", code="invalid"
            ) from out_of_range


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class StrictFilterSet(filters.FilterSet):
    """A filter given a malformed value is a 400 naming it, never ignored.

    django-filter's form fields strip their input and read an empty value as "no filter", so
    ``?engagement=%09`` would list every engagement's rows: here an empty value, one with
    whitespace around it, a control character, or a single-valued filter given twice is
    refused before the fields read it.
    """

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, problem in self._malformed().items():
            self.form.add_error(name, problem)
            valid = False
        return valid

    def _malformed(self) -> dict[str, str]:
        found = {}
        for name, declared in self.filters.items():
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            if len(values) > 1 and not isinstance(declared, filters.MultipleChoiceFilter):
                found[name] = "Give this filter once."
            for value in values:
                if problem := malformed_filter_value(value):
                    found[name] = problem
        return found


def malformed_filter_value(value: str) -> str | None:
    if value == "":
        return "Give a value, or leave this filter out."
    if value != value.strip():
        return "Remove the whitespace around the value."
    return unstorable_text(value)


class ByEngagement(StrictFilterSet):
    """The objects of one engagement (``?engagement=<id>``)."""

    engagement = filters.UUIDFilter(field_name="engagement__public_id")
