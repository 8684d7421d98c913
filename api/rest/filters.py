"""Query filters of the list endpoints (django-filter FilterSets)."""

from __future__ import annotations

import datetime

import django_filters as filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from engagements.models import Engagement, Phase
from engagements.selectors import visible_engagements
from governance.models import Gate, GateCriterion
from kernel.text import unstorable_text
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import Review


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


class EngagementFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Engagement.Status.choices)
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class ByEngagement(StrictFilterSet):
    engagement = filters.UUIDFilter(field_name="engagement__public_id")


class PhaseFilter(ByEngagement):
    kind = filters.ChoiceFilter(choices=Phase.Kind.choices)
    status = filters.ChoiceFilter(choices=Phase.Status.choices)


class MilestoneFilter(ByEngagement):
    phase = filters.ChoiceFilter(field_name="phase__kind", choices=Phase.Kind.choices)
    owner = filters.UUIDFilter(field_name="owner__public_id")
    side = filters.ChoiceFilter(choices=Milestone.Side.choices)
    status = filters.MultipleChoiceFilter(choices=Milestone.Status.choices)
    due_date_after = filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due on or after this date."
    )
    due_date_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before this date."
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after this time."
    )
    external_id = filters.CharFilter(max_length=200)


class GateFilter(ByEngagement):
    phase = filters.ChoiceFilter(field_name="phase__kind", choices=Phase.Kind.choices)
    status = filters.ChoiceFilter(choices=Gate.Status.choices)


class CriterionFilter(StrictFilterSet):
    gate = filters.UUIDFilter(field_name="gate__public_id")
    engagement = filters.UUIDFilter(field_name="gate__engagement__public_id")
    state = filters.ChoiceFilter(choices=GateCriterion.State.choices)


class ReviewFilter(ByEngagement):
    status = filters.ChoiceFilter(choices=Review.Status.choices)
    day = filters.ChoiceFilter(choices=[(day, str(day)) for day in Review.DAYS])


class KpiFilter(ByEngagement):
    pass


class MeasurementFilter(StrictFilterSet):
    kpi = filters.UUIDFilter(field_name="kpi__public_id")
    engagement = filters.UUIDFilter(field_name="kpi__engagement__public_id")
    measured_on_after = filters.DateFilter(field_name="measured_on", lookup_expr="gte")
    measured_on_before = filters.DateFilter(field_name="measured_on", lookup_expr="lte")


class MemberFilter(StrictFilterSet):
    engagement = filters.UUIDFilter(method="seated_on", label="People seated on this engagement.")

    def seated_on(self, queryset, name, value):
        actor = self.request.user
        engagements = visible_engagements(actor=actor).filter(public_id=value)
        return queryset.filter(user__engagement_memberships__engagement__in=engagements)


class RaidItemFilter(ByEngagement):
    kind = filters.ChoiceFilter(choices=RaidItem.Kind.choices)
    status = filters.MultipleChoiceFilter(choices=RaidItem.Status.choices)
    owner = filters.UUIDFilter(field_name="owner__public_id")
