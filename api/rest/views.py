"""The API's resources. Every write calls the service that the browser's pages call, so every
rule holds over the API exactly as in the browser; every read goes through the selectors that
scope it to the caller's tenant and engagements."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Membership
from api import selectors as api_selectors
from api import services as api_services
from api.models import ApiToken
from api.rest import filters, serializers
from api.rest.base import ApiViewSet, ListAndRetrieve, version_etag
from api.rest.schema import documented
from engagements.models import Engagement, Phase
from engagements.permissions import require_tenant_admin
from engagements.selectors import visible_engagements
from governance import services as governance
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from governance.selectors import visible_gates
from kernel.errors import InvalidInput, NotFound, StaleVersion
from milestones import services as milestones
from milestones.models import Milestone
from registers import services as registers
from registers.models import RaidItem
from reporting.kpis import define_kpi
from reporting.measurements import record_measurement
from reporting.models import Kpi, KpiMeasurement, Review, ReviewKpiResult
from reporting.reviews import publish_review
from transition.services import create_engagement_from_playbook


class Created(Response):
    def __init__(self, *args: Any, location: str, **kwargs: Any) -> None:
        super().__init__(*args, status=201, **kwargs)
        self["Location"] = location


# --- Engagements ------------------------------------------------------------------------------


@documented("engagements")
class EngagementViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Engagement.objects.none()  # the model, for the schema
    serializer_class = serializers.EngagementSerializer
    filterset_class = filters.EngagementFilter

    def get_queryset(self):
        return visible_engagements(actor=self.actor)

    def create(self, request):
        data = self.validated(serializers.EngagementCreateSerializer, request.data)
        engagement = create_engagement_from_playbook(
            actor=self.actor,
            tenant=self.tenant,
            playbook=data["playbook"],
            name=data["name"],
            client_name=data["client_name"],
            provider_name=data["provider_name"],
            contract_signed_on=data["contract_signed_on"],
            owners=data["owners"],
            scope=data["scope"],
            time_zone=data["time_zone"],
            target_go_live=data["target_go_live"],
        )
        response = self.object_response(engagement, status=201)
        response["Location"] = self._location("api:engagement-detail", engagement.public_id)
        return response

    def _location(self, route: str, public_id) -> str:
        return self.request.build_absolute_uri(reverse(route, kwargs={"id": public_id}))


# --- Phases and people -------------------------------------------------------------------------


@documented("phases")
class PhaseViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Phase.objects.none()  # the model, for the schema
    serializer_class = serializers.PhaseSerializer
    filterset_class = filters.PhaseFilter

    def get_queryset(self):
        return Phase.objects.visible_to(self.actor).select_related("engagement", "gate")


@documented("members")
class MemberViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Membership.objects.none()  # the model, for the schema
    serializer_class = serializers.MemberSerializer
    filterset_class = filters.MemberFilter
    lookup_field = "user__public_id"
    cursor_field = "user__public_id"

    def get_queryset(self):
        return api_selectors.members_visible_to(actor=self.actor, tenant_id=self.tenant.pk)


# --- Milestones -------------------------------------------------------------------------------


@documented("milestones")
class MilestoneViewSet(ApiViewSet):
    queryset = Milestone.objects.none()  # the model, for the schema
    serializer_class = serializers.MilestoneSerializer
    filterset_class = filters.MilestoneFilter

    def get_queryset(self):
        return Milestone.objects.visible_to(self.actor)

    def get_object(self) -> Milestone:
        public_id = self.parse_public_id(self.kwargs[self.lookup_url_kwarg])
        return self._visible(public_id=public_id)

    def _visible(self, **lookup: Any) -> Milestone:
        milestone = (
            self.get_queryset().filter(**lookup).select_related("engagement", "phase").first()
        )
        if milestone is None:
            raise NotFound("No such milestone.")
        return milestone

    # Reads: one query for a page of rows, their dependencies included.

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(api_selectors.milestone_rows(queryset))
        return self.get_paginated_response([serializers.represent_milestone(row) for row in rows])

    def cursor_value(self, row: dict) -> str:
        return row["id_text"]

    def represent(self, milestone: Milestone) -> dict:
        rows = list(api_selectors.milestone_rows(self.get_queryset().filter(pk=milestone.pk)))
        if not rows:
            raise NotFound("No such milestone.")
        return serializers.represent_milestone(rows[0])

    def etag_for(self, instance: Any, representation: dict) -> str:
        return version_etag(representation["id"], representation["version"])

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())

    # Writes.

    def create(self, request):
        data = self.validated(serializers.MilestoneSerializer, request.data)
        milestone = self._create(data)
        return self._created(milestone)

    def update(self, request, id=None):
        milestone = self.get_object()
        self._check_version(milestone)
        data = self.validated(
            serializers.MilestoneSerializer, request.data, engagement=milestone.engagement
        )
        return self._write(milestone, data)

    def partial_update(self, request, id=None):
        milestone = self.get_object()
        self._check_version(milestone)
        data = self.validated(
            serializers.MilestoneSerializer,
            request.data,
            partial=True,
            engagement=milestone.engagement,
        )
        return self._write(milestone, data)

    def destroy(self, request, id=None):
        milestone = self.get_object()
        self._check_version(milestone)
        with transaction.atomic():
            locked = Milestone.objects.select_for_update().filter(pk=milestone.pk)
            if self.request.headers.get("If-Match") and (
                locked.values_list("version", flat=True).first() != milestone.version
            ):
                raise StaleVersion("The milestone changed since you read it.")
            milestones.delete_milestone(actor=self.actor, milestone=milestone)
        return Response(status=204)

    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"by-external-id/(?P<external_id>[^/]{1,200})",
        url_name="by-external-id",
    )
    def by_external_id(self, request, external_id: str):
        if any(ord(character) < 32 for character in external_id):
            raise NotFound("No such milestone.")
        existing = self.get_queryset().filter(external_id=external_id)
        existing = existing.select_related("engagement", "phase").first()
        if request.method == "GET":
            if existing is None:
                raise NotFound("No such milestone.")
            return self.object_response(existing)
        data = self.validated(
            serializers.MilestoneSerializer,
            request.data,
            engagement=existing.engagement if existing is not None else None,
            external_id=external_id,
        )
        data["external_id"] = external_id
        if existing is not None:
            self._check_version(existing)
            return self._write(existing, data)
        if request.headers.get("If-Match") not in (None, "*"):
            raise StaleVersion("No milestone has this external id any more.")
        try:
            with transaction.atomic():
                milestone = self._create(data)
        except (IntegrityError, milestones.ExternalIdTaken):
            # Another request created it meanwhile: this one replaces it.
            existing = self._visible(external_id=external_id)
            self._check_version(existing)
            return self._write(existing, data)
        return self._created(milestone)

    def _created(self, milestone: Milestone) -> Response:
        response = self.object_response(milestone, status=201)
        response["Location"] = self.request.build_absolute_uri(
            reverse("api:milestone-detail", kwargs={"id": milestone.public_id})
        )
        return response

    def _check_version(self, milestone: Milestone) -> None:
        self.check_if_match(lambda: version_etag(milestone.public_id, milestone.version))

    def _write(self, milestone: Milestone, data: dict) -> Response:
        """PUT and PATCH: what ``data`` names changes; a PUT's body names every field (those
        it leaves out take their defaults). The serializer found the references."""
        changes = {
            field: value
            for field, value in data.items()
            if field not in {"engagement", "depends_on"}
        }
        expected = milestone.version if self.request.headers.get("If-Match") else None
        milestones.update_milestone(
            actor=self.actor,
            milestone=milestone,
            expected_version=expected,
            depends_on=data.get("depends_on"),
            **changes,
        )
        return self.object_response(milestone)

    def _create(self, data: dict) -> Milestone:
        with transaction.atomic():
            milestone = milestones.create_milestone(
                actor=self.actor,
                engagement=data["engagement"],
                phase=data["phase"],
                title=data["title"],
                owner=data["owner"],
                side=data["side"],
                due_date=data["due_date"],
                description=data["description"],
                evidence_required=data["evidence_required"],
                external_id=data["external_id"],
                depends_on=data["depends_on"],
            )
            if data["status"] != Milestone.Status.NOT_STARTED or data["evidence"]:
                milestones.update_milestone(
                    actor=self.actor,
                    milestone=milestone,
                    status=data["status"],
                    evidence=data["evidence"],
                )
        return milestone


# --- Gates and criteria ---------------------------------------------------------------------


@documented("gates")
class GateViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Gate.objects.none()  # the model, for the schema
    serializer_class = serializers.GateSerializer
    filterset_class = filters.GateFilter

    def get_queryset(self):
        return (
            visible_gates(actor=self.actor)
            .select_related("requested_by")
            .prefetch_related(
                Prefetch(
                    "attestations",
                    queryset=GateAttestation.objects.select_related("attested_by").order_by("side"),
                ),
                Prefetch(
                    "decisions",
                    queryset=GateDecision.objects.select_related("decided_by").order_by(
                        "decided_at", "id"
                    ),
                ),
            )
        )

    def _act(self, gate, do) -> Response:
        self.check_if_match(lambda: self.etag_for(gate, self.represent(gate)))
        do()
        return self.object_response(self.get_object())

    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        gate = self.get_object()
        data = self.validated(serializers.ApproveGateSerializer, request.data)
        return self._act(
            gate,
            lambda: governance.approve_gate(actor=self.actor, gate=gate, comment=data["comment"]),
        )

    @action(detail=True, methods=["post"])
    def reject(self, request, id=None):
        gate = self.get_object()
        data = self.validated(serializers.RejectGateSerializer, request.data)
        return self._act(
            gate,
            lambda: governance.reject_gate(actor=self.actor, gate=gate, reason=data["reason"]),
        )

    @action(detail=True, methods=["post"])
    def attest(self, request, id=None):
        gate = self.get_object()
        data = self.validated(serializers.AttestGateSerializer, request.data)
        return self._act(
            gate,
            lambda: governance.attest_gate(
                actor=self.actor, gate=gate, side=data["side"], comment=data["comment"]
            ),
        )

    @action(detail=True, methods=["post"], url_path="request-decision")
    def request_decision(self, request, id=None):
        gate = self.get_object()
        self.validated(serializers.EmptySerializer, request.data)
        return self._act(
            gate, lambda: governance.request_gate_decision(actor=self.actor, gate=gate)
        )


@documented("gate-criteria")
class CriterionViewSet(ListAndRetrieve, ApiViewSet):
    queryset = GateCriterion.objects.none()  # the model, for the schema
    serializer_class = serializers.CriterionSerializer
    filterset_class = filters.CriterionFilter

    def get_queryset(self):
        return GateCriterion.objects.visible_to(self.actor).select_related(
            "gate__engagement", "decided_by"
        )

    def _set_state(self, criterion, state: str, justification: str = "") -> Response:
        self.check_if_match(lambda: self.etag_for(criterion, self.represent(criterion)))
        governance.set_criterion_state(
            actor=self.actor, criterion=criterion, state=state, justification=justification
        )
        return self.object_response(self.get_object())

    @action(detail=True, methods=["post"])
    def met(self, request, id=None):
        criterion = self.get_object()
        self.validated(serializers.EmptySerializer, request.data)
        return self._set_state(criterion, GateCriterion.State.MET)

    @action(detail=True, methods=["post"], url_path="not-met")
    def not_met(self, request, id=None):
        criterion = self.get_object()
        self.validated(serializers.EmptySerializer, request.data)
        return self._set_state(criterion, GateCriterion.State.NOT_MET)

    @action(detail=True, methods=["post"])
    def waive(self, request, id=None):
        criterion = self.get_object()
        data = self.validated(serializers.WaiveCriterionSerializer, request.data)
        return self._set_state(criterion, GateCriterion.State.WAIVED, data["justification"])


# --- Reviews and KPIs --------------------------------------------------------------------------


@documented("reviews")
class ReviewViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Review.objects.none()  # the model, for the schema
    serializer_class = serializers.ReviewSerializer
    filterset_class = filters.ReviewFilter

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
        reason = self.validated(serializers.PublishReviewSerializer, request.data)["reason"]
        self.check_if_match(lambda: self.etag_for(review, self.represent(review)))
        publish_review(actor=self.actor, review=review, reason=reason)
        return self.object_response(self.get_object())


@documented("kpis")
class KpiViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Kpi.objects.none()  # the model, for the schema
    serializer_class = serializers.KpiSerializer
    filterset_class = filters.KpiFilter

    def get_queryset(self):
        return Kpi.objects.visible_to(self.actor).select_related("engagement")

    def create(self, request):
        data = self.validated(serializers.KpiSerializer, request.data)
        kpi = define_kpi(
            actor=self.actor,
            engagement=data["engagement"],
            key=data["key"],
            name=data["name"],
            target=data["target"],
            direction=data["direction"],
            unit=data["unit"],
            contractual_from=data["contractual_from"],
        )
        response = self.object_response(kpi, status=201)
        response["Location"] = self.request.build_absolute_uri(
            reverse("api:kpi-detail", kwargs={"id": kpi.public_id})
        )
        return response


@documented("kpi-measurements")
class MeasurementViewSet(ListAndRetrieve, ApiViewSet):
    queryset = KpiMeasurement.objects.none()  # the model, for the schema
    serializer_class = serializers.MeasurementSerializer
    filterset_class = filters.MeasurementFilter

    def get_queryset(self):
        return KpiMeasurement.objects.visible_to(self.actor).select_related(
            "kpi__engagement", "recorded_by"
        )

    def create(self, request):
        data = self.validated(serializers.MeasurementSerializer, request.data)
        measurement = record_measurement(
            actor=self.actor, kpi=data["kpi"], measured_on=data["measured_on"], value=data["value"]
        )
        response = self.object_response(self._fresh(measurement), status=201)
        response["Location"] = self.request.build_absolute_uri(
            reverse("api:kpi-measurement-detail", kwargs={"id": measurement.public_id})
        )
        return response

    def _fresh(self, measurement: KpiMeasurement) -> KpiMeasurement:
        return self.get_queryset().get(pk=measurement.pk)

    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Many measurements in one request: all are written, or none."""
        rows = self.validated(serializers.MeasurementBatchSerializer, request.data)["measurements"]
        errors: dict[str, list[str]] = {}
        recorded = []
        with transaction.atomic():
            for index, row in enumerate(rows):
                try:
                    with transaction.atomic():
                        recorded.append(
                            record_measurement(
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
        return Response(
            {"results": serializers.MeasurementSerializer(results, many=True).data}, status=201
        )


# --- API tokens ---------------------------------------------------------------------------------


@documented("api-tokens")
class ApiTokenViewSet(ApiViewSet):
    """Tenant admins only: anyone else is refused (403) before anything is looked up."""

    queryset = ApiToken.objects.none()  # the model, for the schema
    serializer_class = serializers.ApiTokenSerializer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_tenant_admin(actor=self.actor, tenant_id=self.tenant.pk, doing="manage API tokens")

    def get_queryset(self):
        return api_selectors.tokens_of_tenant()

    def list(self, request):
        rows = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())

    def create(self, request):
        data = self.validated(serializers.ApiTokenSerializer, request.data)
        token, secret = api_services.issue_token(
            actor=self.actor,
            tenant=self.tenant,
            user=data.get("user", self.actor),
            name=data["name"],
            read_only=data["read_only"],
        )
        representation = serializers.IssuedApiTokenSerializer(token).data
        representation["token"] = secret
        response = self.object_response(token, status=201, representation=representation)
        response["Location"] = self.request.build_absolute_uri(
            reverse("api:api-token-detail", kwargs={"id": token.public_id})
        )
        response["Cache-Control"] = "no-store"
        return response

    def idempotent_body(self, response: Response) -> Any:
        # The token is shown once and never stored in plain text, not even for a replay.
        return {**response.data, "token": None} if "token" in response.data else response.data

    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        token = self.get_object()
        self.validated(serializers.EmptySerializer, request.data)
        self.check_if_match(lambda: self.etag_for(token, self.represent(token)))
        api_services.revoke_token(actor=self.actor, token=token)
        return self.object_response(self.get_object())


# --- RAID items -------------------------------------------------------------------------------


@documented("raid-items")
class RaidItemViewSet(ListAndRetrieve, ApiViewSet):
    """The engagement's register; every write through ``registers.services`` (the rules of
    the browser's register pages), versioned: ``If-Match`` on PATCH answers 412 when stale."""

    queryset = RaidItem.objects.none()  # the model, for the schema
    serializer_class = serializers.RaidItemSerializer
    filterset_class = filters.RaidItemFilter
    http_method_names = ["get", "post", "patch", "head"]

    def get_queryset(self):
        return RaidItem.objects.visible_to(self.actor).select_related("engagement", "owner")

    def etag_for(self, instance: Any, representation: dict) -> str:
        return version_etag(representation["id"], representation["version"])

    def create(self, request):
        data = self.validated(serializers.RaidItemSerializer, request.data)
        item = registers.create_raid_item(
            actor=self.actor,
            engagement=data["engagement"],
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            owner=data["owner"],
            due_date=data["due_date"],
            status=data["status"],
            probability=data["probability"],
            impact=data["impact"],
            response=data["response"],
        )
        response = self.object_response(item, status=201)
        response["Location"] = self.request.build_absolute_uri(
            reverse("api:raid-item-detail", kwargs={"id": item.public_id})
        )
        return response

    def partial_update(self, request, id=None):
        item = self.get_object()
        self.check_if_match(lambda: version_etag(item.public_id, item.version))
        data = self.validated(
            serializers.RaidItemPatchSerializer,
            request.data,
            partial=True,
            engagement=item.engagement,
        )
        changes = {field: value for field, value in data.items() if field != "engagement"}
        expected = item.version if request.headers.get("If-Match") else None
        item = registers.update_raid_item(
            actor=self.actor, item=item, expected_version=expected, **changes
        )
        return self.object_response(item)
