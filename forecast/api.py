"""The forecasts over the API: per engagement, each open gate's forecast with its 80% range,
its plan date and the reasons it slips (read-only; computed when read, like the pages)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from rest_framework import serializers

from api.feed import scoped
from api.rest.base import ApiViewSet
from api.rest.filters import StrictFilterSet
from api.rest.schema import Operation, documented, list_operation, one_operation
from engagements.models import Engagement, Phase
from engagements.selectors import visible_engagements
from forecast.models import SlipEpisode
from forecast.selectors import forecast_of, forecasts_for

ENGAGEMENT_ID = "3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f"
GATE = {
    "gate": "5c4b3a29-1807-4f6e-8d5c-4b3a29180706",
    "name": "Go-live readiness gate",
    "phase": "controlled_go_live",
    "go_live": True,
    "target": "2026-02-28",
    "forecast": "2026-03-14",
    "low": "2026-03-06",
    "high": "2026-03-27",
    "late": True,
    "slip_days": 14,
    "open_milestones": 11,
    "driver": "pace",
    "headline": (
        "Go-live forecast 14 Mar (target 28 Feb): 6 access milestones overdue, waiting on the "
        "client, 3 of them on one owner (Dana Reyes)"
    ),
    "reasons": [
        {
            "text": (
                "6 access milestones overdue, waiting on the client, 3 of them on one owner "
                "(Dana Reyes)"
            ),
            "milestones": ["0e1d2c3b-4a59-4687-9a6b-5c4d3e2f1a0b"],
            "owners": ["Dana Reyes", "Sam Ortiz"],
        }
    ],
}
FORECAST = {"engagement": ENGAGEMENT_ID, "as_of": "2026-02-10", "gates": [GATE]}


class ReasonSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    milestones = serializers.ListField(
        source="keys",
        child=serializers.UUIDField(),
        read_only=True,
        help_text="The milestones this reason is about (a chain: in order).",
    )
    owners = serializers.ListField(child=serializers.CharField(), read_only=True)


class GateForecastSerializer(serializers.Serializer):
    gate = serializers.UUIDField(source="gate_id", read_only=True)
    name = serializers.CharField(read_only=True)
    phase = serializers.ChoiceField(source="phase_kind", choices=Phase.Kind.choices, read_only=True)
    go_live = serializers.BooleanField(
        read_only=True, help_text="The controlled go-live gate: go-live's forecast."
    )
    target = serializers.DateField(read_only=True, help_text="The gate's plan date.")
    forecast = serializers.DateField(source="date", read_only=True)
    low = serializers.DateField(
        source="forecast.low", read_only=True, help_text="The 80% range's first date."
    )
    high = serializers.DateField(
        source="forecast.high", read_only=True, help_text="The 80% range's last date."
    )
    late = serializers.BooleanField(read_only=True, help_text="The forecast is after the target.")
    slip_days = serializers.IntegerField(read_only=True, help_text="Forecast minus target.")
    open_milestones = serializers.IntegerField(source="forecast.open_steps", read_only=True)
    driver = serializers.ChoiceField(
        source="forecast.driver",
        choices=[
            ("schedule", "schedule"),
            ("pace", "pace"),
            ("critical path", "critical path"),
            ("done", "done"),
        ],
        read_only=True,
        help_text="What sets the date: the side's lateness, its pace, the longest chain, or "
        "nothing left open.",
    )
    headline = serializers.CharField(read_only=True)
    reasons = ReasonSerializer(
        many=True, read_only=True, help_text="At most five, most pressing first."
    )


class ForecastSerializer(serializers.Serializer):
    engagement = serializers.UUIDField(source="engagement_public_id", read_only=True)
    as_of = serializers.DateField(source="today", read_only=True)
    gates = GateForecastSerializer(
        many=True, read_only=True, help_text="Every gate not yet approved, in phase order."
    )


class ForecastFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Engagement.Status.choices)


FORECAST_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("engagements' forecasts", ForecastSerializer, FORECAST),
    "retrieve": one_operation(
        "engagement's forecast (by the engagement's id)", ForecastSerializer, FORECAST
    ),
}


@documented("forecasts", FORECAST_OPERATIONS)
class ForecastViewSet(ApiViewSet):
    """The forecast of each engagement the caller may see, by the engagement's id."""

    queryset = Engagement.objects.none()  # the model, for the schema
    serializer_class = ForecastSerializer
    filterset_class = ForecastFilter

    def get_queryset(self):
        return visible_engagements(actor=self.actor)

    def list(self, request):
        rows = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())))
        forecasts = forecasts_for(rows)
        return self.get_paginated_response(
            [ForecastSerializer(forecasts[row.pk]).data for row in rows]
        )

    def retrieve(self, request, id=None):
        engagement = self.get_object()
        return self.object_response(forecast_of(engagement=engagement))


def show_slip_episodes(actor: Any, ids: list[str]) -> dict[str, dict]:
    """The change feed's slip episodes, each as the engagement's forecast now (one query for
    the episodes, then the forecasts' own three for all their engagements)."""
    episodes = list(
        scoped(SlipEpisode, actor).filter(public_id__in=ids).select_related("engagement")
    )
    engagements = list({episode.engagement_id: episode.engagement for episode in episodes}.values())
    forecasts = forecasts_for(engagements) if engagements else {}
    return {
        str(episode.public_id): ForecastSerializer(forecasts[episode.engagement_id]).data
        for episode in episodes
    }
