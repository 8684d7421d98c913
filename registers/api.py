"""The RAID register over the API: reads, and adding and changing items through
``registers.services`` (the rules of the browser's register pages)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from rest_framework import serializers

from api.rest import examples as ex
from api.rest.base import ApiViewSet, ListAndRetrieve, version_etag
from api.rest.filters import ByEngagement
from api.rest.references import OWNER_NOT_MEMBER, engagement_of_body, member_of
from api.rest.schema import (
    REQUIRED_TEXT_PATTERN,
    Operation,
    documented,
    list_operation,
    one_operation,
)
from api.rest.serializers import StrictSerializer
from registers import services as registers
from registers.models import RaidItem

# --- Representation and body ------------------------------------------------------------------


# What a new RAID item's kind asks of the other fields (registers.services): a risk is scored
# (probability and impact); an exception describes the situation it covers. Over the API a
# decision is proposed (agreeing one names who agreed, on its page), an exception open or in
# progress (closing one writes its decision rule), any other item open, in progress or closed.
def _when_kind(kinds: list[str], then: dict, otherwise: dict | None = None) -> dict:
    rule = {"if": {"properties": {"kind": {"enum": kinds}}, "required": ["kind"]}, "then": then}
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


def _statuses(*names: str) -> dict:
    return {"properties": {"status": {"enum": [*names, None]}}}


RAID_ITEM_RULES = [
    _when_kind(
        ["risk"],
        {
            "required": ["probability", "impact"],
            "properties": {"probability": {"type": "integer"}, "impact": {"type": "integer"}},
        },
    ),
    _when_kind(
        ["exception"],
        {
            "required": ["description"],
            "properties": {
                "description": {"type": "string", "pattern": REQUIRED_TEXT_PATTERN},
                **_statuses("open", "in_progress")["properties"],
            },
        },
    ),
    _when_kind(["decision"], _statuses("proposed")),
    _when_kind(["decision", "exception"], {}, _statuses("open", "in_progress", "closed")),
]


class RaidItemSerializer(StrictSerializer):
    """A RAID item: reads describe it; writes go through ``registers.services``."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = serializers.UUIDField(
        source="engagement.public_id", help_text="Cannot change once created."
    )
    kind = serializers.ChoiceField(choices=RaidItem.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    owner = serializers.UUIDField(
        source="owner.public_id", help_text="A person who is a member of the engagement."
    )
    due_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=RaidItem.Status.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Open (proposed for a decision) when left out.",
    )
    probability = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    impact = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    score = serializers.IntegerField(read_only=True, allow_null=True)
    response = serializers.CharField(allow_blank=True, required=False, default="")
    version = serializers.IntegerField(read_only=True)

    # The request body's rules across fields, in the schema (``ApiAutoSchema``).
    schema_all_of = RAID_ITEM_RULES

    def resolve_references(self, parsed, errors):
        found: dict[str, Any] = {}
        engagement = engagement_of_body(self, parsed, errors, noun="RAID item")
        if "engagement" in parsed:
            found["engagement"] = engagement
        if engagement is not None and "owner" in parsed:
            found["owner"] = member_of(engagement, parsed["owner"])
            if found["owner"] is None:
                errors["owner"] = [OWNER_NOT_MEMBER]
        return found


class RaidItemPatchSerializer(RaidItemSerializer):
    """A change to a RAID item: its kind is fixed once created, and a status, when given, is
    one of them (null only means "the default" when an item is created)."""

    kind = None
    status = serializers.ChoiceField(choices=RaidItem.Status.choices, required=False)


class RaidItemFilter(ByEngagement):
    kind = filters.ChoiceFilter(choices=RaidItem.Kind.choices)
    status = filters.MultipleChoiceFilter(choices=RaidItem.Status.choices)
    owner = filters.UUIDFilter(field_name="owner__public_id")


OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("RAID items", RaidItemSerializer, ex.RAID_ITEM),
    "retrieve": one_operation("RAID item", RaidItemSerializer, ex.RAID_ITEM),
    "create": Operation(
        "Add a RAID item (PMO and leads)",
        RaidItemSerializer,
        ex.RAID_ITEM,
        RaidItemSerializer,
        ex.RAID_ITEM_WRITE,
        201,
    ),
    "partial_update": Operation(
        "Change some fields of a RAID item (If-Match guards against lost updates)",
        RaidItemSerializer,
        ex.RAID_ITEM,
        RaidItemPatchSerializer,
        ex.RAID_ITEM_PATCH,
    ),
}


# --- Viewset ----------------------------------------------------------------------------------


@documented("raid-items", OPERATIONS)
class RaidItemViewSet(ListAndRetrieve, ApiViewSet):
    """The engagement's register; every write through ``registers.services`` (the rules of
    the browser's register pages), versioned: ``If-Match`` on PATCH answers 412 when stale."""

    queryset = RaidItem.objects.none()  # the model, for the schema
    serializer_class = RaidItemSerializer
    filterset_class = RaidItemFilter
    http_method_names = ["get", "post", "patch", "head"]

    def get_queryset(self):
        return RaidItem.objects.visible_to(self.actor).select_related("engagement", "owner")

    def etag_for(self, instance: Any, representation: dict) -> str:
        return version_etag(representation["id"], representation["version"])

    def create(self, request):
        data = self.validated(RaidItemSerializer, request.data)
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
        return self.created_response(item)

    def partial_update(self, request, id=None):
        item = self.get_object()
        self.check_if_match(lambda: version_etag(item.public_id, item.version))
        data = self.validated(
            RaidItemPatchSerializer,
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
