"""The RAID list's filters: kind, status, owner, overdue, and a heat-map cell."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import QuerySet

from engagements.models import EngagementMember
from registers.forms import seat_label
from registers.models import RaidItem

NOT_CLOSED = "not_closed"


class RaidItemFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RaidItem.Kind.choices, empty_label="All kinds")
    status = django_filters.ChoiceFilter(
        choices=[(NOT_CLOSED, "Not closed"), *RaidItem.Status.choices],
        empty_label="Any status",
        method="filter_status",
    )
    owner = django_filters.ChoiceFilter(field_name="owner_id", empty_label="Anyone", label="Owner")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue only",
        widget=forms.CheckboxInput,
    )
    probability = django_filters.NumberFilter(widget=forms.HiddenInput)
    impact = django_filters.NumberFilter(widget=forms.HiddenInput)

    class Meta:
        model = RaidItem
        fields = ["kind", "status", "owner", "overdue", "probability", "impact"]

    def __init__(
        self, *args, seats: list[EngagementMember], today: datetime.date, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # Choices from the seats the page already loaded: no query of their own.
        self.filters["owner"].extra["choices"] = [
            (str(seat.user_id), seat_label(seat)) for seat in seats
        ]
        for name in ("kind", "status", "owner"):
            self.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.form.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NOT_CLOSED:
            return queryset.filter(status__in=RaidItem.OPEN)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(status__in=RaidItem.OPEN, due_date__lt=self.today)
