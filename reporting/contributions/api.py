"""The reviews, KPIs and KPI measurements resources of the API and their change-feed loaders."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from api.feed import serialized
from kernel.api import ApiResource
from kernel.registry import api_resources
from reporting.api import (
    KpiSerializer,
    KpiViewSet,
    MeasurementSerializer,
    MeasurementViewSet,
    ReviewSerializer,
    ReviewViewSet,
)
from reporting.models import Kpi, KpiMeasurement, Review, ReviewKpiResult


def reviews_with_details(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.select_related("engagement", "published_by").prefetch_related(
        Prefetch(
            "results",
            queryset=ReviewKpiResult.objects.select_related("kpi", "action_owner").order_by(
                "kpi__name", "id"
            ),
        )
    )


api_resources.register(
    "review",
    ApiResource(
        "reviews",
        "review",
        ReviewViewSet,
        show=serialized(Review, ReviewSerializer, reviews_with_details),
    ),
)
api_resources.register(
    "kpi",
    ApiResource(
        "kpis",
        "kpi",
        KpiViewSet,
        show=serialized(Kpi, KpiSerializer, lambda queryset: queryset.select_related("engagement")),
    ),
)
api_resources.register(
    "kpi-measurement",
    ApiResource(
        "kpi-measurements",
        "kpi-measurement",
        MeasurementViewSet,
        show=serialized(
            KpiMeasurement,
            MeasurementSerializer,
            lambda queryset: queryset.select_related("kpi__engagement", "recorded_by"),
        ),
    ),
)
