"""API tokens over the API (tenant admins): list, issue (the token is shown once), revoke."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Membership
from api import selectors as api_selectors
from api import services as api_services
from api.models import ApiToken
from api.rest import examples as ex
from api.rest.base import ApiViewSet, TenantAdminOnly
from api.rest.schema import Operation, documented, list_operation, one_operation
from api.rest.serializers import EmptySerializer, StrictSerializer
from kernel.api import ApiResource
from kernel.registry import api_resources


class ApiTokenSerializer(StrictSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(max_length=100)
    prefix = serializers.CharField(read_only=True, help_text="Not secret: names the token.")
    user = serializers.UUIDField(
        source="user.public_id",
        required=False,
        help_text="The member the token acts as (default: you).",
    )
    read_only = serializers.BooleanField(required=False, default=False)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def resolve_references(self, parsed, errors):
        if "user" not in parsed:
            return {}
        membership = (
            Membership.objects.filter(tenant=self.tenant, user__public_id=parsed["user"])
            .select_related("user")
            .first()
        )
        if membership is None:
            errors["user"] = ["No such member."]
            return {}
        return {"user": membership.user}


class IssuedApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The token itself, shown once (null when an Idempotency-Key replays it).",
    )


OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation(
        "API tokens of the tenant (tenant admins)", ApiTokenSerializer, ex.API_TOKEN
    ),
    "retrieve": one_operation("API token", ApiTokenSerializer, ex.API_TOKEN),
    "create": Operation(
        "Issue a token (tenant admins); the token is in this response only",
        IssuedApiTokenSerializer,
        ex.API_TOKEN_ISSUED,
        ApiTokenSerializer,
        ex.API_TOKEN_WRITE,
        201,
    ),
    "revoke": Operation(
        "Revoke a token: it stops working at once",
        ApiTokenSerializer,
        {**ex.API_TOKEN, "revoked_at": ex.TIMESTAMP},
        EmptySerializer,
        {},
    ),
}


@documented("api-tokens", OPERATIONS)
class ApiTokenViewSet(TenantAdminOnly, ApiViewSet):
    doing = "manage API tokens"
    queryset = ApiToken.objects.none()  # the model, for the schema
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return api_selectors.tokens_of_tenant()

    def create(self, request):
        data = self.validated(ApiTokenSerializer, request.data)
        token, secret = api_services.issue_token(
            actor=self.actor,
            tenant=self.tenant,
            user=data.get("user", self.actor),
            name=data["name"],
            read_only=data["read_only"],
        )
        representation = IssuedApiTokenSerializer(token).data
        representation["token"] = secret
        response = self.created_response(token, representation=representation)
        response["Cache-Control"] = "no-store"
        return response

    def idempotent_body(self, response: Response) -> Any:
        # The token is shown once and never stored in plain text, not even for a replay.
        return {**response.data, "token": None} if "token" in response.data else response.data

    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        token = self.get_object()
        self.validated(EmptySerializer, request.data)
        self.check_if_match(lambda: self.etag_for(token, self.represent(token)))
        api_services.revoke_token(actor=self.actor, token=token)
        return self.object_response(self.get_object())


api_resources.register("api-token", ApiResource("api-tokens", "api-token", ApiTokenViewSet))
