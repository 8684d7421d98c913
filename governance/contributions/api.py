"""The gates and gate criteria resources of the API and their change-feed loaders."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from api.feed import serialized
from governance.api import CriterionSerializer, CriterionViewSet, GateSerializer, GateViewSet
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from kernel.api import ApiResource
from kernel.registry import api_resources


def gates_with_details(queryset: QuerySet[Gate]) -> QuerySet[Gate]:
    return queryset.select_related("engagement", "phase", "requested_by").prefetch_related(
        Prefetch(
            "attestations",
            queryset=GateAttestation.objects.select_related("attested_by").order_by("side"),
        ),
        Prefetch(
            "decisions",
            queryset=GateDecision.objects.select_related("decided_by").order_by("decided_at", "id"),
        ),
    )


api_resources.register(
    "gate",
    ApiResource(
        "gates", "gate", GateViewSet, show=serialized(Gate, GateSerializer, gates_with_details)
    ),
)
api_resources.register(
    "gate-criterion",
    ApiResource(
        "gate-criteria",
        "gate-criterion",
        CriterionViewSet,
        show=serialized(
            GateCriterion,
            CriterionSerializer,
            lambda queryset: queryset.select_related("gate__engagement", "decided_by"),
        ),
    ),
)
