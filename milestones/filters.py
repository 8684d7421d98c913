"""Filters for lists of milestones (the engagement page's plan)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import QuerySet

from accounts.models import User
from engagements.models import Engagement
from milestones.models import Milestone

OPEN = "open"


class EngagementMilestoneFilter(django_filters.FilterSet):
    """Mine, owner, side, status (or every open one) and overdue, for one engagement's plan.

    Every choice is a plain query parameter, so a filtered plan is a URL to share.
    """

    mine = django_filters.BooleanFilter(
        label="Only mine", method="filter_mine", widget=forms.CheckboxInput
    )
    # Chosen by public id: the URL names a person without exposing a row number. The choices
    # are the engagement's team (already loaded with it), set per engagement below.
    owner = django_filters.ChoiceFilter(
        field_name="owner__public_id", choices=[], label="Owner", empty_label="Anyone"
    )
    side = django_filters.ChoiceFilter(
        choices=Milestone.Side.choices, label="Side", empty_label="Any side"
    )
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, "Open (not done or cancelled)"), *Milestone.Status.choices],
        label="Status",
        empty_label="Any status",
        method="filter_status",
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue only", method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Milestone
        fields = ["mine", "owner", "side", "status", "overdue"]

    def __init__(
        self,
        data=None,
        queryset: QuerySet[Milestone] | None = None,
        *,
        engagement: Engagement,
        actor: User,
        today: datetime.date,
        **kwargs,
    ) -> None:
        super().__init__(data, queryset=queryset, **kwargs)
        self.actor, self.today = actor, today
        # Anyone seated on the engagement may own a milestone of it.
        people = {member.user for member in engagement.members.all()}
        self.filters["owner"].extra["choices"] = sorted(
            ((str(person.public_id), str(person)) for person in people),
            key=lambda choice: choice[1].lower(),
        )

    @property
    def is_filtering(self) -> bool:
        """Whether any filter narrows the list (an empty choice does not)."""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())

    def filter_mine(self, queryset: QuerySet[Milestone], name: str, value: bool):
        return queryset.filter(owner=self.actor) if value else queryset

    def filter_status(self, queryset: QuerySet[Milestone], name: str, value: str):
        if value == OPEN:
            return queryset.exclude(status__in=Milestone.CLOSED)
        return queryset.filter(status=value) if value else queryset

    def filter_overdue(self, queryset: QuerySet[Milestone], name: str, value: bool):
        if not value:
            return queryset
        return queryset.filter(due_date__lt=self.today).exclude(status__in=Milestone.CLOSED)
