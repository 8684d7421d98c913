"""Baselines over the API, read-only: an engagement's baselines (``?engagement=``), and one
with every phase's and milestone's dates as they were saved. The change feed and webhooks
carry each new baseline (``baseline.created``)."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from rest_framework import serializers

from api.feed import serialized
from api.rest.base import ApiViewSet
from api.rest.filters import ByEngagement
from api.rest.schema import documented, list_operation, one_operation
from api.rest.serializers import StrictSerializer
from baselines.models import Baseline, BaselineMilestone
from engagements.models import Phase

BASELINE = {
    "id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
    "engagement": "3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f",
    "name": "Kickoff gate approved",
    "reason": "gate_approved",
    "note": "",
    "saved_by": "8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e",
    "saved_at": "2026-01-16T15:20:00Z",
}
BASELINE_WITH_ROWS = {
    **BASELINE,
    "phases": [
        {
            "phase": "kickoff",
            "position": 1,
            "planned_start": "2026-01-05",
            "planned_end": "2026-01-16",
            "gate": "Kickoff gate",
        }
    ],
    "milestones": [
        {
            "milestone": "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
            "title": "Badge access for wave 1",
            "phase": "access",
            "due_date": "2026-02-06",
        }
    ],
}


class BaselineSerializer(StrictSerializer):
    """A saved copy of the plan's dates; saved by the product (start, gate approvals) or by
    PMO on the engagement's Baselines page. Never changed afterwards."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = serializers.UUIDField(source="engagement.public_id", read_only=True)
    name = serializers.CharField(read_only=True, help_text="Unique in the engagement.")
    reason = serializers.ChoiceField(
        choices=Baseline.Reason.choices,
        read_only=True,
        help_text="started: the transition started; gate_approved: a gate was approved; "
        "named: saved by PMO.",
    )
    note = serializers.CharField(read_only=True)
    saved_by = serializers.UUIDField(source="saved_by.public_id", read_only=True, allow_null=True)
    saved_at = serializers.DateTimeField(read_only=True)


class BaselinePhaseSerializer(StrictSerializer):
    phase = serializers.ChoiceField(source="kind", choices=Phase.Kind.choices, read_only=True)
    position = serializers.IntegerField(read_only=True)
    planned_start = serializers.DateField(read_only=True)
    planned_end = serializers.DateField(read_only=True, help_text="Also the gate's date.")
    gate = serializers.CharField(source="gate_name", read_only=True)


class BaselineMilestoneSerializer(StrictSerializer):
    milestone = serializers.UUIDField(
        source="milestone.public_id",
        read_only=True,
        allow_null=True,
        help_text="Null when the milestone was deleted since.",
    )
    title = serializers.CharField(read_only=True)
    phase = serializers.ChoiceField(source="phase_kind", choices=Phase.Kind.choices, read_only=True)
    due_date = serializers.DateField(read_only=True)


class BaselineWithRowsSerializer(BaselineSerializer):
    phases = BaselinePhaseSerializer(many=True, read_only=True)
    milestones = BaselineMilestoneSerializer(many=True, read_only=True)


class BaselineFilter(ByEngagement):
    pass


BASELINE_OPERATIONS = {
    "list": list_operation("baselines", BaselineSerializer, BASELINE),
    "retrieve": one_operation(
        "baseline with every phase's and milestone's saved dates",
        BaselineWithRowsSerializer,
        BASELINE_WITH_ROWS,
    ),
}


@documented("baselines", BASELINE_OPERATIONS)
class BaselineViewSet(ApiViewSet):
    queryset = Baseline.objects.none()
    serializer_class = BaselineSerializer
    filterset_class = BaselineFilter
    http_method_names = ["get", "head"]

    def get_queryset(self):
        return Baseline.objects.visible_to(self.actor).select_related("engagement", "saved_by")

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, id=None):
        baseline = self.get_object()
        # Its rows in two more queries, whatever the plan's size.
        prefetch_related_objects(
            [baseline],
            "phases",
            Prefetch(
                "milestones",
                queryset=BaselineMilestone.objects.select_related("milestone").order_by(
                    "due_date", "id"
                ),
            ),
        )
        return self.object_response(
            baseline, representation=BaselineWithRowsSerializer(baseline).data
        )


show_baselines = serialized(
    Baseline, BaselineSerializer, lambda rows: rows.select_related("engagement", "saved_by")
)
