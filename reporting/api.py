"""Reviews, KPIs and their measurements over the API: reads, publishing a review, defining a
KPI and recording values (one, or many at once), through ``reporting.kpis``,
``reporting.measurements`` and ``reporting.reviews``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import django_filters as filters
from django.db import transaction
from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.rest import examples as ex
from api.rest.base import ApiViewSet, ListAndRetrieve
from api.rest.filters import ByEngagement, StrictFilterSet
from api.rest.references import engagement_of_body
from api.rest.schema import Operation, documented, list_operation, one_operation
from api.rest.serializers import StrictSerializer, related_id
from kernel.errors import InvalidInput
from reporting import kpis, measurements, reviews
from reporting.models import Kpi, KpiMeasurement, Review, ReviewKpiResult

MAX_BULK_ROWS = 1000


# --- Representations and bodies ---------------------------------------------------------------


class ReviewResultSerializer(serializers.Serializer):
    kpi = related_id("kpi")
    value = serializers.DecimalField(
        max_digits=14, decimal_places=4, read_only=True, allow_null=True
    )
    target = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True)
    met = serializers.BooleanField(read_only=True)
    # "no_data" when the window held no measurement: then met is false, yet it is no miss.
    outcome = serializers.ChoiceField(choices=ReviewKpiResult.Outcome.choices, read_only=True)
    root_cause = serializers.CharField(read_only=True)
    corrective_action = serializers.CharField(read_only=True)
    action_owner = related_id("action_owner", allow_null=True)
    action_due = serializers.DateField(read_only=True, allow_null=True)


class ReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = related_id("engagement")
    day = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    focus = serializers.CharField(read_only=True)
    scheduled_on = serializers.DateField(read_only=True)
    window_days = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Review.Status.choices, read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    published_by = related_id("published_by", allow_null=True)
    published_early = serializers.BooleanField(read_only=True)
    publish_reason = serializers.CharField(read_only=True)
    target_standing = serializers.CharField(read_only=True)
    misses_understood = serializers.CharField(read_only=True)
    lessons_learned = serializers.CharField(read_only=True)
    next_period_changes = serializers.CharField(read_only=True)
    results = ReviewResultSerializer(many=True, read_only=True)


class PublishReviewSerializer(StrictSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to publish before the window has closed or with a KPI in No data.",
    )


class KpiSerializer(StrictSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = serializers.UUIDField(source="engagement.public_id")
    key = serializers.SlugField(max_length=80)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=20, allow_blank=True, required=False, default="")
    target = serializers.DecimalField(max_digits=14, decimal_places=4)
    direction = serializers.ChoiceField(choices=Kpi.Direction.choices)
    contractual_from = serializers.DateField(required=False, allow_null=True, default=None)

    def resolve_references(self, parsed, errors):
        if "engagement" not in parsed:
            return {}
        return {"engagement": engagement_of_body(self, parsed, errors, noun="KPI")}


class MeasurementSerializer(StrictSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kpi = serializers.UUIDField(source="kpi.public_id")
    engagement = related_id("kpi.engagement")
    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    recorded_by = related_id("recorded_by", allow_null=True)
    recorded_at = serializers.DateTimeField(read_only=True)

    def resolve_references(self, parsed, errors):
        if "kpi" not in parsed:
            return {}
        public_id = parsed["kpi"]
        known = self.context.get("kpis")  # a batch looked every row's KPI up at once
        if known is None:
            known = visible_kpis(self.actor, [public_id])
        kpi = known.get(public_id)
        if kpi is None:
            errors["kpi"] = ["No such KPI."]
        return {"kpi": kpi}


def visible_kpis(actor, public_ids) -> dict:
    """The KPIs the actor may see among ``public_ids``, by public id, in one query."""
    return {
        kpi.public_id: kpi
        for kpi in Kpi.objects.visible_to(actor)
        .filter(public_id__in=list(public_ids))
        .select_related("engagement")
    }


class MeasurementBatchSerializer(StrictSerializer):
    measurements = MeasurementSerializer(many=True, max_length=MAX_BULK_ROWS, allow_empty=False)

    def to_internal_value(self, data):
        rows = data.get("measurements") if isinstance(data, Mapping) else None
        if isinstance(rows, list):
            named = set()
            for row in rows[: MAX_BULK_ROWS + 1]:
                try:
                    named.add(uuid.UUID(str(row.get("kpi"))))
                except (AttributeError, ValueError):
                    continue
            self.context["kpis"] = visible_kpis(self.actor, named)
        return super().to_internal_value(data)


class MeasurementBatchResultSerializer(serializers.Serializer):
    results = MeasurementSerializer(many=True, read_only=True)


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


# --- Operations -------------------------------------------------------------------------------


REVIEW_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("reviews", ReviewSerializer, ex.REVIEW),
    "retrieve": one_operation("review", ReviewSerializer, ex.REVIEW),
    "publish": Operation(
        "Publish a review (PMO): refused with 409 while a miss is unexplained, and with "
        "400 naming reason before its window has closed or with a KPI in No data",
        ReviewSerializer,
        ex.REVIEW,
        PublishReviewSerializer,
        {"reason": "The steering committee meets before the window closes."},
    ),
}


KPI_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("KPIs", KpiSerializer, ex.KPI),
    "retrieve": one_operation("KPI", KpiSerializer, ex.KPI),
    "create": Operation(
        "Define a KPI (PMO)", KpiSerializer, ex.KPI, KpiSerializer, ex.KPI_WRITE, 201
    ),
}


MEASUREMENT_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("KPI measurements", MeasurementSerializer, ex.MEASUREMENT),
    "retrieve": one_operation("KPI measurement", MeasurementSerializer, ex.MEASUREMENT),
    "create": Operation(
        "Record a day's value of a KPI (the same day again replaces it)",
        MeasurementSerializer,
        ex.MEASUREMENT,
        MeasurementSerializer,
        ex.MEASUREMENT_WRITE,
        201,
    ),
    "bulk": Operation(
        "Record many values at once: all of them, or none (each bad row named)",
        {201: MeasurementBatchResultSerializer},
        {"results": [ex.MEASUREMENT]},
        MeasurementBatchSerializer,
        ex.MEASUREMENT_BATCH,
        201,
    ),
}


# --- Viewsets ---------------------------------------------------------------------------------


@documented("reviews", REVIEW_OPERATIONS)
class ReviewViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Review.objects.none()  # the model, for the schema
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        return (
            Review.objects.visible_to(self.actor)
            .select_related("engagement", "published_by")
            .prefetch_related(
                Prefetch(
                    "results",
                    queryset=ReviewKpiResult.objects.select_related("kpi", "action_owner").order_by(
                        "kpi__name", "id"
                    ),
                )
            )
        )

    @action(detail=True, methods=["post"])
    def publish(self, request, id=None):
        review = self.get_object()
        reason = self.validated(PublishReviewSerializer, request.data)["reason"]
        self.check_if_match(lambda: self.etag_for(review, self.represent(review)))
        reviews.publish_review(actor=self.actor, review=review, reason=reason)
        return self.object_response(self.get_object())


@documented("kpis", KPI_OPERATIONS)
class KpiViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Kpi.objects.none()  # the model, for the schema
    serializer_class = KpiSerializer
    filterset_class = KpiFilter

    def get_queryset(self):
        return Kpi.objects.visible_to(self.actor).select_related("engagement")

    def create(self, request):
        data = self.validated(KpiSerializer, request.data)
        kpi = kpis.define_kpi(
            actor=self.actor,
            engagement=data["engagement"],
            key=data["key"],
            name=data["name"],
            target=data["target"],
            direction=data["direction"],
            unit=data["unit"],
            contractual_from=data["contractual_from"],
        )
        return self.created_response(kpi)


@documented("kpi-measurements", MEASUREMENT_OPERATIONS)
class MeasurementViewSet(ListAndRetrieve, ApiViewSet):
    queryset = KpiMeasurement.objects.none()  # the model, for the schema
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter

    def get_queryset(self):
        return KpiMeasurement.objects.visible_to(self.actor).select_related(
            "kpi__engagement", "recorded_by"
        )

    def create(self, request):
        data = self.validated(MeasurementSerializer, request.data)
        measurement = measurements.record_measurement(
            actor=self.actor, kpi=data["kpi"], measured_on=data["measured_on"], value=data["value"]
        )
        return self.created_response(self._fresh(measurement))

    def _fresh(self, measurement: KpiMeasurement) -> KpiMeasurement:
        return self.get_queryset().get(pk=measurement.pk)

    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Many measurements in one request: all are written, or none."""
        rows = self.validated(MeasurementBatchSerializer, request.data)["measurements"]
        errors: dict[str, list[str]] = {}
        recorded = []
        with transaction.atomic():
            for index, row in enumerate(rows):
                try:
                    with transaction.atomic():
                        recorded.append(
                            measurements.record_measurement(
                                actor=self.actor,
                                kpi=row["kpi"],
                                measured_on=row["measured_on"],
                                value=row["value"],
                            )
                        )
                except InvalidInput as refused:
                    for field, messages in (refused.errors or {"": [refused.message]}).items():
                        name = f"measurements[{index}]" + (f".{field}" if field else "")
                        errors.setdefault(name, []).extend(messages)
            if errors:
                transaction.set_rollback(True)
        if errors:
            raise InvalidInput(f"{len(errors)} invalid row(s); nothing was written.", errors=errors)
        fresh = self.get_queryset().filter(pk__in=[m.pk for m in recorded]).in_bulk()
        results = [fresh[m.pk] for m in recorded]
        return Response({"results": MeasurementSerializer(results, many=True).data}, status=201)
