"""/api/v1/webhooks/: tenant admins manage the tenant's webhook subscriptions and deliveries."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers as drf
from rest_framework.decorators import action
from rest_framework.response import Response

from api.models import WebhookDelivery, WebhookSubscription
from api.rest import examples as ex
from api.rest.base import UUID_PATTERN, ApiViewSet, TenantAdminOnly
from api.rest.schema import Operation, documented
from api.rest.serializers import EmptySerializer, StrictSerializer
from api.webhooks import services as webhooks
from kernel.api import ApiResource
from kernel.errors import NotFound
from kernel.registry import api_resources


def _event_type() -> drf.ChoiceField:
    return drf.ChoiceField(choices=[(name, name) for name in webhooks.event_types()])


class WebhookSerializer(StrictSerializer):
    id = drf.UUIDField(source="public_id", read_only=True)
    url = drf.URLField(max_length=500, help_text="Where deliveries are POSTed (public hosts).")
    event_types = drf.ListField(child=_event_type(), allow_empty=False, max_length=20)
    active = drf.BooleanField(required=False, default=True)
    consecutive_failures = drf.IntegerField(read_only=True)
    disabled_reason = drf.CharField(read_only=True)
    created_at = drf.DateTimeField(read_only=True)


class WebhookPatchSerializer(StrictSerializer):
    url = drf.URLField(max_length=500, required=False)
    event_types = drf.ListField(
        child=_event_type(), allow_empty=False, max_length=20, required=False
    )
    active = drf.BooleanField(required=False, help_text="true re-enables a disabled webhook.")


class CreatedWebhookSerializer(WebhookSerializer):
    secret = drf.CharField(
        read_only=True,
        allow_null=True,
        help_text="Signs every delivery; shown in this response only (null on a replay).",
    )


class DeliverySerializer(drf.Serializer):
    id = drf.UUIDField(source="public_id", read_only=True)
    event = drf.CharField(source="event_type", read_only=True)
    status = drf.ChoiceField(choices=WebhookDelivery.Status.choices, read_only=True)
    attempts = drf.IntegerField(read_only=True)
    response_code = drf.IntegerField(read_only=True, allow_null=True)
    duration_ms = drf.IntegerField(read_only=True, allow_null=True)
    error = drf.CharField(read_only=True)
    created_at = drf.DateTimeField(read_only=True)
    last_attempt_at = drf.DateTimeField(read_only=True, allow_null=True)
    delivered_at = drf.DateTimeField(read_only=True, allow_null=True)
    payload = drf.JSONField(read_only=True, help_text="The body that is POSTed.")


WEBHOOK_ID = "4d5e6f70-8192-4a3b-9c4d-5e6f708192a3"
WEBHOOK = {
    "id": WEBHOOK_ID,
    "url": "https://hooks.example.com/bpo",
    "event_types": ["milestone.updated", "gate.approved"],
    "active": True,
    "consecutive_failures": 0,
    "disabled_reason": "",
    "created_at": ex.TIMESTAMP,
}
WEBHOOK_WRITE = {"url": WEBHOOK["url"], "event_types": WEBHOOK["event_types"]}
DELIVERY = {
    "id": "6f708192-a3b4-4c5d-8e6f-708192a3b4c5",
    "event": "milestone.updated",
    "status": "succeeded",
    "attempts": 1,
    "response_code": 204,
    "duration_ms": 84,
    "error": "",
    "created_at": ex.TIMESTAMP,
    "last_attempt_at": ex.TIMESTAMP,
    "delivered_at": ex.TIMESTAMP,
    "payload": {"event": "milestone.updated", "change": {"type": "milestone"}},
}

OPERATIONS: dict[str, Operation] = {
    "list": Operation("List the tenant's webhooks (tenant admins)", WebhookSerializer, WEBHOOK),
    "retrieve": Operation("Read one webhook (tenant admins)", WebhookSerializer, WEBHOOK),
    "create": Operation(
        "Subscribe a URL to events (tenant admins); the secret is in this response only",
        CreatedWebhookSerializer,
        {**WEBHOOK, "secret": "whsec_" + "x" * 43},
        WebhookSerializer,
        WEBHOOK_WRITE,
        201,
    ),
    "partial_update": Operation(
        "Change a webhook's URL or events, or disable or re-enable it",
        WebhookSerializer,
        WEBHOOK,
        WebhookPatchSerializer,
        {"active": True},
    ),
    "destroy": Operation("Delete a webhook and its delivery log", None, None, status=204),
    "deliveries": Operation(
        "List a webhook's deliveries: status, attempts, response code, duration",
        DeliverySerializer(many=True),
        [DELIVERY],
    ),
    "resend": Operation(
        "Send a delivery again now (one attempt)",
        DeliverySerializer,
        {**DELIVERY, "status": "pending"},
        EmptySerializer,
        {},
    ),
}


@documented("webhooks", OPERATIONS)
class WebhookViewSet(TenantAdminOnly, ApiViewSet):
    doing = "manage webhooks"
    queryset = WebhookSubscription.objects.none()  # the model, for the schema
    serializer_class = WebhookSerializer

    def get_queryset(self):
        return WebhookSubscription.objects.all()

    def create(self, request):
        data = WebhookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, secret = webhooks.create_subscription(
            actor=self.actor,
            tenant=self.tenant,
            url=data.validated_data["url"],
            event_types=data.validated_data["event_types"],
        )
        if not data.validated_data["active"]:
            subscription = webhooks.update_subscription(
                actor=self.actor, subscription=subscription, active=False
            )
        representation = dict(CreatedWebhookSerializer(subscription).data)
        representation["secret"] = secret
        response = self.created_response(subscription, representation=representation)
        response["Cache-Control"] = "no-store"
        return response

    def idempotent_body(self, response: Response) -> Any:
        # The secret is shown once, not even to a replay.
        return {**response.data, "secret": None} if "secret" in response.data else response.data

    def partial_update(self, request, id=None):
        subscription = self.get_object()
        data = WebhookPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.check_if_match(lambda: self.etag_for(subscription, self.represent(subscription)))
        webhooks.update_subscription(
            actor=self.actor, subscription=subscription, **data.validated_data
        )
        return self.object_response(self.get_object())

    def destroy(self, request, id=None):
        subscription = self.get_object()
        self.check_if_match(lambda: self.etag_for(subscription, self.represent(subscription)))
        webhooks.delete_subscription(actor=self.actor, subscription=subscription)
        return Response(status=204)

    @action(detail=True, methods=["get"])
    def deliveries(self, request, id=None):
        subscription = self.get_object()
        rows = self.paginate_queryset(subscription.deliveries.all())
        return self.get_paginated_response(DeliverySerializer(rows, many=True).data)

    @action(
        detail=True,
        methods=["post"],
        url_path=f"deliveries/(?P<delivery_id>{UUID_PATTERN})/resend",
    )
    def resend(self, request, id=None, delivery_id=None):
        subscription = self.get_object()
        delivery = subscription.deliveries.filter(
            public_id=self.parse_public_id(delivery_id, "No such delivery.")
        ).first()
        if delivery is None:
            raise NotFound("No such delivery.")
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        delivery = webhooks.resend_delivery(actor=self.actor, delivery=delivery)
        return Response(DeliverySerializer(delivery).data)


api_resources.register("webhook", ApiResource("webhooks", "webhook", WebhookViewSet))
