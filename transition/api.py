"""The engagements, their phases and the tenant's people over the API. Here, in the orchestration
app, because creating an engagement runs ``transition.services.create_engagement_from_playbook``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Membership, User, known_time_zones
from api.rest import examples as ex
from api.rest.base import ApiViewSet, ListAndRetrieve
from api.rest.filters import ByEngagement, StrictFilterSet, UtcIsoDateTimeFilter
from api.rest.schema import Operation, documented, list_operation, one_operation
from api.rest.serializers import StrictSerializer, related_id
from engagements.models import Engagement, EngagementMember, Phase, Playbook
from engagements.playbooks import get_builtin, parse_definition
from engagements.selectors import members_visible_to, visible_engagements
from kernel.errors import NotFound
from transition.services import create_engagement_from_playbook

# --- Representations and bodies ----------------------------------------------------------


class EngagementSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(read_only=True)
    client_name = serializers.CharField(read_only=True)
    provider_name = serializers.CharField(read_only=True)
    scope = serializers.CharField(read_only=True)
    contract_signed_on = serializers.DateField(read_only=True)
    target_go_live = serializers.DateField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Engagement.Status.choices, read_only=True)
    review_anchor = serializers.ChoiceField(choices=Engagement.ReviewAnchor.choices, read_only=True)
    playbook = serializers.CharField(source="playbook_key", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


@extend_schema_field({"type": "string", "enum": sorted(known_time_zones())})
class TimeZoneField(serializers.ChoiceField):
    """One of the IANA zones the server knows, listed in the schema without ~600 labels."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=sorted(known_time_zones()), **kwargs)


class EngagementCreateSerializer(StrictSerializer):
    playbook = serializers.CharField(
        max_length=80, help_text="Key of a shipped playbook or of one of the tenant's copies."
    )
    name = serializers.CharField(max_length=200)
    client_name = serializers.CharField(max_length=200)
    provider_name = serializers.CharField(max_length=200)
    contract_signed_on = serializers.DateField(help_text="Day 0 of the transition.")
    target_go_live = serializers.DateField(required=False, allow_null=True, default=None)
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    time_zone = TimeZoneField(
        required=False,
        default="UTC",
        help_text="An IANA time zone (`Europe/London`): its dates and reminders follow it.",
    )
    owners = serializers.DictField(
        child=serializers.UUIDField(),
        help_text="Each owner role of the playbook mapped to the id of a tenant member.",
    )

    def resolve_references(self, parsed, errors):
        found = {}
        if "playbook" in parsed:
            found["playbook"] = _playbook_named(parsed["playbook"])
            if found["playbook"] is None:
                errors["playbook"] = ["No such playbook."]
        if "owners" in parsed:
            owners = parsed["owners"]
            people = {
                user.public_id: user
                for user in User.objects.filter(
                    public_id__in=list(owners.values()), memberships__tenant=self.tenant
                )
            }
            unknown = [role for role, public_id in owners.items() if public_id not in people]
            if unknown:
                errors["owners"] = [f"“{role}”: no such member." for role in unknown]
            found["owners"] = {role: people.get(public_id) for role, public_id in owners.items()}
        return found


def _playbook_named(key: str):
    """The tenant's copy of a playbook, or a shipped one; None when there is neither."""
    copy = Playbook.objects.filter(key=key).first()
    if copy is not None:
        return parse_definition(copy.definition)
    try:
        return get_builtin(key)
    except NotFound:
        return None


class PhaseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = related_id("engagement")
    kind = serializers.ChoiceField(choices=Phase.Kind.choices, read_only=True)
    position = serializers.IntegerField(read_only=True)
    planned_start = serializers.DateField(read_only=True)
    planned_end = serializers.DateField(read_only=True)
    actual_start = serializers.DateField(read_only=True, allow_null=True)
    actual_end = serializers.DateField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=Phase.Status.choices, read_only=True)
    gate = related_id("gate", allow_null=True)


class SeatSerializer(serializers.Serializer):
    engagement = related_id("engagement")
    side = serializers.ChoiceField(choices=EngagementMember.Side.choices, read_only=True)
    role = serializers.ChoiceField(choices=EngagementMember.Role.choices, read_only=True)


class MemberSerializer(serializers.Serializer):
    """A person in the tenant; ``id`` is what milestones name as their ``owner``."""

    id = related_id("user")
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.ChoiceField(
        choices=[("admin", "Admin"), ("pmo", "PMO"), ("member", "Member")], read_only=True
    )
    seats = SeatSerializer(source="user.visible_seats", many=True, read_only=True)

    def get_name(self, membership) -> str:
        return str(membership.user)


# --- Filters -------------------------------------------------------------------------------


class EngagementFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Engagement.Status.choices)
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class PhaseFilter(ByEngagement):
    kind = filters.ChoiceFilter(choices=Phase.Kind.choices)
    status = filters.ChoiceFilter(choices=Phase.Status.choices)


class MemberFilter(StrictFilterSet):
    engagement = filters.UUIDFilter(method="seated_on", label="People seated on this engagement.")

    def seated_on(self, queryset, name, value):
        actor = self.request.user
        engagements = visible_engagements(actor=actor).filter(public_id=value)
        return queryset.filter(user__engagement_memberships__engagement__in=engagements)


# --- Operations ----------------------------------------------------------------------------

ENGAGEMENT_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("engagements", EngagementSerializer, ex.ENGAGEMENT),
    "retrieve": one_operation("engagement", EngagementSerializer, ex.ENGAGEMENT),
    "create": Operation(
        "Create an engagement from a playbook (tenant admins and PMO)",
        EngagementSerializer,
        ex.ENGAGEMENT,
        EngagementCreateSerializer,
        ex.ENGAGEMENT_CREATE,
        201,
    ),
}

PHASE_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("phases", PhaseSerializer, ex.PHASE),
    "retrieve": one_operation("phase", PhaseSerializer, ex.PHASE),
}

MEMBER_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("people of the tenant", MemberSerializer, ex.MEMBER),
    "retrieve": one_operation("person", MemberSerializer, ex.MEMBER),
}


# --- Viewsets ------------------------------------------------------------------------------


@documented("engagements", ENGAGEMENT_OPERATIONS)
class EngagementViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Engagement.objects.none()  # the model, for the schema
    serializer_class = EngagementSerializer
    filterset_class = EngagementFilter

    def get_queryset(self):
        return visible_engagements(actor=self.actor)

    def create(self, request):
        data = self.validated(EngagementCreateSerializer, request.data)
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
        return self.created_response(engagement)


@documented("phases", PHASE_OPERATIONS)
class PhaseViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Phase.objects.none()  # the model, for the schema
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilter

    def get_queryset(self):
        return Phase.objects.visible_to(self.actor).select_related("engagement", "gate")


@documented("members", MEMBER_OPERATIONS)
class MemberViewSet(ListAndRetrieve, ApiViewSet):
    queryset = Membership.objects.none()  # the model, for the schema
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    lookup_field = "user__public_id"
    cursor_field = "user__public_id"

    def get_queryset(self):
        return members_visible_to(actor=self.actor, tenant_id=self.tenant.pk)
