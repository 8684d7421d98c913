"""GET /api/v1/changes/: the tenant's change feed, in commit order (see ``api.feed``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers as drf
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api import feed
from api.rest import examples as ex
from api.rest.base import ApiViewSet
from api.rest.schema import ApiAutoSchema
from kernel.api import ApiResource
from kernel.registry import api_resources

ACTIONS = [("created", "Created"), ("updated", "Updated"), ("deleted", "Deleted")]


@extend_schema_field({"type": "object"})  # allow_null adds the null
class NullableObjectField(drf.JSONField):
    """An object or null: one schema, where a nullable JSONField would be ``oneOf`` an
    anything-schema and null, which null matches twice (a schema no value of null can pass)."""


class ChangeSerializer(drf.Serializer):
    cursor = drf.CharField(help_text="Resume after this entry with `?after=<cursor>`.")
    type = drf.ChoiceField(choices=sorted({t.resource for t in feed.feed_types().values()}))
    id = drf.CharField(help_text="The object's id (a UUID).")
    action = drf.ChoiceField(choices=ACTIONS)
    operation = drf.CharField(help_text="What was asked for, e.g. `gate.approved`.")
    correlation_id = drf.UUIDField(help_text="Shared by every entry one request wrote.")
    occurred_at = drf.DateTimeField()
    object = NullableObjectField(
        allow_null=True,
        help_text=(
            'The object as the API shows it now; `{"id": ...}` for `deleted`; null when it '
            "was deleted since (its `deleted` entry follows) or is no longer visible to you."
        ),
    )


class ChangePageSerializer(drf.Serializer):
    results = ChangeSerializer(many=True)
    cursor = drf.CharField(
        allow_null=True,
        help_text="Where to resume (the last entry's cursor, or the `after` you sent); "
        "null only when you sent none and the feed is empty.",
    )
    next = drf.URLField(
        allow_null=True, help_text="The next page now, or null when you are caught up."
    )


CHANGE_PAGE_EXAMPLE = {
    "results": [
        {
            "cursor": "cDQy",
            "type": "milestone",
            "id": ex.MILESTONE_ID,
            "action": "updated",
            "operation": "milestone.updated",
            "correlation_id": "3b1f6c2e-9d4a-4e7b-8a10-5c2d7e9f0a11",
            "occurred_at": ex.TIMESTAMP,
            "object": ex.MILESTONE,
        }
    ],
    "cursor": "cDQy",
    "next": None,
}


class ChangeFeedSchema(ApiAutoSchema):
    """The feed answers one page object (``results``, ``cursor``, ``next``), not a list."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def _returns_object(self) -> bool:
        return False  # no ETag: a feed page is read once, by cursor


class ChangeFeedViewSet(ApiViewSet):
    schema = ChangeFeedSchema()
    pagination_class = None
    filter_backends = []
    serializer_class = ChangePageSerializer

    @extend_schema(
        summary="Read the change feed of the tenant, in commit order",
        description=(
            "Every change you may see, in the order it committed. Start without `after`, "
            "then send the `cursor` of the previous answer. Replaying from the start and "
            "applying each entry (upsert a non-null object, delete on `deleted`) ends with "
            "an exact copy."
        ),
        tags=["changes"],
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "string", "minLength": 1},
                OpenApiParameter.QUERY,
                description=(
                    "Opaque: the `cursor` of a previous answer, sent back unchanged; omit it "
                    "to start at the beginning. Any other value is a 400 naming `after`."
                ),
                examples=[OpenApiExample("Resume", value=feed.encode_cursor(42))],
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": feed.MAX_LIMIT},
                OpenApiParameter.QUERY,
                description=f"Entries per page (default {feed.DEFAULT_LIMIT}).",
            ),
        ],
        responses={200: ChangePageSerializer},
        examples=[OpenApiExample("Response", value=CHANGE_PAGE_EXAMPLE, response_only=True)],
    )
    def list(self, request):
        after = request.query_params.get("after")
        position = feed.decode_cursor(after) if after is not None else 0
        limit = self._limit(request.query_params.get("limit"))
        events = feed.events_after(
            actor=self.actor, tenant_id=self.tenant.pk, position=position, limit=limit
        )
        entries = feed.entries_for(actor=self.actor, events=events)
        cursor = entries[-1]["cursor"] if entries else after
        next_link = None
        if len(entries) == limit:
            next_link = replace_query_param(request.build_absolute_uri(), "after", cursor)
        return Response({"results": entries, "cursor": cursor, "next": next_link})

    def _limit(self, raw: str | None) -> int:
        if raw is None:
            return feed.DEFAULT_LIMIT
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= feed.MAX_LIMIT:
            raise ValidationError({"limit": [f"Use a whole number from 1 to {feed.MAX_LIMIT}."]})
        return int(raw)


api_resources.register("change", ApiResource("changes", "change", ChangeFeedViewSet))
