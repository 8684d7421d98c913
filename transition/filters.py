"""Filters of the pages that span apps."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from engagements.models import Engagement, Phase
from kernel.registry import search_documents


class StableOrderingFilter(django_filters.OrderingFilter):
    """A chosen order, then by name and id: pages never repeat or skip a row on ties."""

    def filter(self, queryset: QuerySet, value) -> QuerySet:
        queryset = super().filter(queryset, value)
        if value:
            queryset = queryset.order_by(*queryset.query.order_by, "name", "id")
        return queryset


class PortfolioFilter(django_filters.FilterSet):
    """Status, current phase, a search over client, provider and name, and a sort order.

    Works on ``transition.portfolio.portfolio_rows``: the phase and the sort keys are its
    annotations, so everything runs in the one query of the page.
    """

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(
        choices=Engagement.Status.choices, empty_label="Any status", label="Status"
    )
    phase = django_filters.ChoiceFilter(
        field_name="next_phase_kind",
        choices=Phase.Kind.choices,
        empty_label="Any phase",
        label="Current phase",
    )
    sort = StableOrderingFilter(
        label="Sort by",
        empty_label="Name",
        fields=(
            ("name", "name"),
            ("client_name", "client"),
            ("overdue_milestones", "overdue"),
            ("next_gate_due", "next_gate"),
            ("contract_signed_on", "signed"),
            ("target_go_live", "go_live"),
        ),
        field_labels={
            "name": "Name",
            "client_name": "Client",
            "overdue_milestones": "Overdue milestones",
            "next_gate_due": "Next gate date",
            "contract_signed_on": "Contract signature",
            "target_go_live": "Target go-live",
        },
    )

    class Meta:
        model = Engagement
        fields = ["q", "status", "phase"]

    def search(self, queryset: QuerySet, _name: str, value: str) -> QuerySet:
        """The words typed, matched as the engagement's search document says."""
        return search_documents.get("engagement").matching(queryset, value)
