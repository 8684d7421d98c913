"""Gates and their criteria over the API: reads, and the decisions and attestations that
``governance.services`` takes, as the browser's pages."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.rest import examples as ex
from api.rest.base import ApiViewSet, ListAndRetrieve
from api.rest.filters import ByEngagement, StrictFilterSet
from api.rest.schema import Operation, documented, list_operation, one_operation
from api.rest.serializers import EmptySerializer, StrictSerializer, related_id
from engagements.models import Phase
from governance import services as governance
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from governance.selectors import visible_gates

# --- Representations and bodies ---------------------------------------------------------------


class AttestationSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=GateAttestation.Side.choices, read_only=True)
    attested_by = related_id("attested_by")
    attested_at = serializers.DateTimeField(read_only=True)
    comment = serializers.CharField(read_only=True)


class DecisionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    outcome = serializers.ChoiceField(choices=GateDecision.Outcome.choices, read_only=True)
    decided_by = related_id("decided_by")
    decided_at = serializers.DateTimeField(read_only=True)
    comment = serializers.CharField(read_only=True)
    self_approved = serializers.BooleanField(
        read_only=True,
        help_text="The PMO who approved also requested the decision (the tenant turned four "
        "eyes off).",
    )


class GateSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = related_id("engagement")
    phase = serializers.ChoiceField(source="phase.kind", choices=Phase.Kind.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Gate.Status.choices, read_only=True)
    client_attestation_required = serializers.BooleanField(read_only=True)
    provider_attestation_required = serializers.BooleanField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True, allow_null=True)
    requested_by = related_id("requested_by", allow_null=True)
    attestations = AttestationSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)


class ApproveGateSerializer(StrictSerializer):
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class RejectGateSerializer(StrictSerializer):
    reason = serializers.CharField(allow_blank=True, help_text="What must change first.")


class AttestGateSerializer(StrictSerializer):
    side = serializers.ChoiceField(choices=GateAttestation.Side.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class CriterionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    gate = related_id("gate")
    engagement = related_id("gate.engagement")
    position = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    required = serializers.BooleanField(read_only=True)
    state = serializers.ChoiceField(choices=GateCriterion.State.choices, read_only=True)
    justification = serializers.CharField(read_only=True)
    decided_by = related_id("decided_by", allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class WaiveCriterionSerializer(StrictSerializer):
    justification = serializers.CharField(allow_blank=True, help_text="Why it is waived.")


class GateFilter(ByEngagement):
    phase = filters.ChoiceFilter(field_name="phase__kind", choices=Phase.Kind.choices)
    status = filters.ChoiceFilter(choices=Gate.Status.choices)


class CriterionFilter(StrictFilterSet):
    gate = filters.UUIDFilter(field_name="gate__public_id")
    engagement = filters.UUIDFilter(field_name="gate__engagement__public_id")
    state = filters.ChoiceFilter(choices=GateCriterion.State.choices)


# --- Operations -------------------------------------------------------------------------------


GATE_ACTIONS = {
    "approve": (
        "Approve a gate (PMO): refused with 409 listing what is still open",
        ApproveGateSerializer,
        {"comment": "All criteria met; go."},
    ),
    "reject": ("Reject a gate (PMO), saying why", RejectGateSerializer, {"reason": "Retrain."}),
    "attest": (
        "Attest a gate for your side (the side's lead)",
        AttestGateSerializer,
        {"side": "client", "comment": "Agreed."},
    ),
    "request_decision": ("Ask PMO to decide the gate", EmptySerializer, {}),
}


CRITERION_ACTIONS = {
    "met": ("Mark a criterion met", EmptySerializer, {}),
    "not_met": ("Mark a criterion not met", EmptySerializer, {}),
    "waive": (
        "Waive a criterion (PMO), with a written justification",
        WaiveCriterionSerializer,
        {"justification": "Covered by the client's own audit."},
    ),
}


GATE_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("gates", GateSerializer, ex.GATE),
    "retrieve": one_operation("gate", GateSerializer, ex.GATE),
    **{
        name: Operation(summary, GateSerializer, ex.GATE, request, example)
        for name, (summary, request, example) in GATE_ACTIONS.items()
    },
}


CRITERION_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("gate criteria", CriterionSerializer, ex.CRITERION),
    "retrieve": one_operation("gate criterion", CriterionSerializer, ex.CRITERION),
    **{
        name: Operation(summary, CriterionSerializer, ex.CRITERION, request, example)
        for name, (summary, request, example) in CRITERION_ACTIONS.items()
    },
}


# --- Viewsets ---------------------------------------------------------------------------------


@documented("gates", GATE_OPERATIONS)
class GateViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Gate.objects.none()  # the model, for the schema
    serializer_class = GateSerializer
    filterset_class = GateFilter

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
        data = self.validated(ApproveGateSerializer, request.data)
        return self._act(
            gate,
            lambda: governance.approve_gate(actor=self.actor, gate=gate, comment=data["comment"]),
        )

    @action(detail=True, methods=["post"])
    def reject(self, request, id=None):
        gate = self.get_object()
        data = self.validated(RejectGateSerializer, request.data)
        return self._act(
            gate,
            lambda: governance.reject_gate(actor=self.actor, gate=gate, reason=data["reason"]),
        )

    @action(detail=True, methods=["post"])
    def attest(self, request, id=None):
        gate = self.get_object()
        data = self.validated(AttestGateSerializer, request.data)
        return self._act(
            gate,
            lambda: governance.attest_gate(
                actor=self.actor, gate=gate, side=data["side"], comment=data["comment"]
            ),
        )

    @action(detail=True, methods=["post"], url_path="request-decision")
    def request_decision(self, request, id=None):
        gate = self.get_object()
        self.validated(EmptySerializer, request.data)
        return self._act(
            gate, lambda: governance.request_gate_decision(actor=self.actor, gate=gate)
        )


@documented("gate-criteria", CRITERION_OPERATIONS)
class CriterionViewSet(ListAndRetrieve, ApiViewSet):
    queryset = GateCriterion.objects.none()  # the model, for the schema
    serializer_class = CriterionSerializer
    filterset_class = CriterionFilter

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
        self.validated(EmptySerializer, request.data)
        return self._set_state(criterion, GateCriterion.State.MET)

    @action(detail=True, methods=["post"], url_path="not-met")
    def not_met(self, request, id=None):
        criterion = self.get_object()
        self.validated(EmptySerializer, request.data)
        return self._set_state(criterion, GateCriterion.State.NOT_MET)

    @action(detail=True, methods=["post"])
    def waive(self, request, id=None):
        criterion = self.get_object()
        data = self.validated(WaiveCriterionSerializer, request.data)
        return self._set_state(criterion, GateCriterion.State.WAIVED, data["justification"])
