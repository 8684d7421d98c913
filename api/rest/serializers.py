"""What each resource looks like over the API, and what a request may send.

UUIDs for every object and every parent (``engagement``, ``owner``, ...), enums as lower-case
words, dates as ``YYYY-MM-DD`` and timestamps in ISO 8601 with their offset. Every request
serializer refuses fields it does not know, naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from engagements.models import Engagement, EngagementMember, Phase
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import Kpi, Review, ReviewKpiResult

MAX_DEPENDENCIES = 200
MAX_BULK_ROWS = 1000


def _public_id(source: str, **kwargs: Any) -> serializers.UUIDField:
    return serializers.UUIDField(source=f"{source}.public_id", read_only=True, **kwargs)


class StrictSerializer(serializers.Serializer):
    """A request body with a field this serializer does not know is refused, naming it."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {str(name): ["Unknown field."] for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            if unknown and isinstance(invalid.detail, dict):
                raise serializers.ValidationError({**invalid.detail, **unknown}) from invalid
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# --- Engagements, phases, people -----------------------------------------------------------


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
    time_zone = serializers.CharField(required=False, max_length=64, default="UTC")
    owners = serializers.DictField(
        child=serializers.UUIDField(),
        help_text="Each owner role of the playbook mapped to the id of a tenant member.",
    )


class PhaseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = _public_id("engagement")
    kind = serializers.ChoiceField(choices=Phase.Kind.choices, read_only=True)
    position = serializers.IntegerField(read_only=True)
    planned_start = serializers.DateField(read_only=True)
    planned_end = serializers.DateField(read_only=True)
    actual_start = serializers.DateField(read_only=True, allow_null=True)
    actual_end = serializers.DateField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=Phase.Status.choices, read_only=True)
    gate = _public_id("gate", allow_null=True)


class SeatSerializer(serializers.Serializer):
    engagement = _public_id("engagement")
    side = serializers.ChoiceField(choices=EngagementMember.Side.choices, read_only=True)
    role = serializers.ChoiceField(choices=EngagementMember.Role.choices, read_only=True)


class MemberSerializer(serializers.Serializer):
    """A person in the tenant; ``id`` is what milestones name as their ``owner``."""

    id = _public_id("user")
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.ChoiceField(
        choices=[("admin", "Admin"), ("pmo", "PMO"), ("member", "Member")], read_only=True
    )
    seats = SeatSerializer(source="user.visible_seats", many=True, read_only=True)

    def get_name(self, membership) -> str:
        return str(membership.user)


# --- Milestones ------------------------------------------------------------------------------


def _iso(value) -> str | None:
    """As DRF writes timestamps: ISO 8601, UTC written as ``Z``."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def represent_milestone(row: Mapping[str, Any]) -> dict[str, Any]:
    """A milestone as consumers see it, from one row of ``api.selectors.milestone_rows``.

    Built by hand from values the database already formatted: a full sync reads hundreds of
    thousands of these.
    """
    return {
        "id": row["id_text"],
        "engagement": row["engagement_text"],
        "phase": row["phase__kind"],
        "title": row["title"],
        "description": row["description"],
        "owner": row["owner_text"],
        "side": row["side"],
        "due_date": row["due_date"].isoformat(),
        "status": row["status"],
        "evidence": row["evidence"],
        "evidence_required": row["evidence_required"],
        "depends_on": row["dependency_ids"],
        "external_id": row["external_id"],
        "version": row["version"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


class MilestoneSerializer(StrictSerializer):
    """Reads describe the representation; writes validate the body of POST, PUT and PATCH."""

    id = serializers.UUIDField(read_only=True)
    engagement = serializers.UUIDField(help_text="Cannot change once created.")
    phase = serializers.ChoiceField(
        choices=Phase.Kind.choices, help_text="The kind of the engagement's phase."
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    owner = serializers.UUIDField(help_text="A person who is a member of the engagement.")
    side = serializers.ChoiceField(choices=Milestone.Side.choices)
    due_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=Milestone.Status.choices, required=False, default=Milestone.Status.NOT_STARTED
    )
    evidence = serializers.CharField(allow_blank=True, required=False, default="")
    evidence_required = serializers.BooleanField(required=False, default=False)
    depends_on = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=MAX_DEPENDENCIES,
        help_text="Milestones of the same engagement, in this phase or an earlier one.",
    )
    external_id = serializers.CharField(
        max_length=200,
        allow_null=True,
        allow_blank=True,
        required=False,
        default=None,
        help_text="The consumer's own id, unique in the tenant.",
    )
    version = serializers.IntegerField(read_only=True, help_text="Changes on every update.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance):
        return instance  # already represented by represent_milestone


# --- Gates --------------------------------------------------------------------------------


class AttestationSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=GateAttestation.Side.choices, read_only=True)
    attested_by = _public_id("attested_by")
    attested_at = serializers.DateTimeField(read_only=True)
    comment = serializers.CharField(read_only=True)


class DecisionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    outcome = serializers.ChoiceField(choices=GateDecision.Outcome.choices, read_only=True)
    decided_by = _public_id("decided_by")
    decided_at = serializers.DateTimeField(read_only=True)
    comment = serializers.CharField(read_only=True)


class GateSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = _public_id("engagement")
    phase = serializers.ChoiceField(source="phase.kind", choices=Phase.Kind.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Gate.Status.choices, read_only=True)
    client_attestation_required = serializers.BooleanField(read_only=True)
    provider_attestation_required = serializers.BooleanField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True, allow_null=True)
    requested_by = _public_id("requested_by", allow_null=True)
    attestations = AttestationSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)


class ApproveGateSerializer(StrictSerializer):
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class RejectGateSerializer(StrictSerializer):
    reason = serializers.CharField(allow_blank=True, help_text="What must change first.")


class AttestGateSerializer(StrictSerializer):
    side = serializers.ChoiceField(choices=GateAttestation.Side.choices)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class EmptySerializer(StrictSerializer):
    """An action that takes no input: the body is empty or ``{}``."""


class PublishReviewSerializer(StrictSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to publish before the window has closed or with a KPI in No data.",
    )


class CriterionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    gate = _public_id("gate")
    engagement = _public_id("gate.engagement")
    position = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    required = serializers.BooleanField(read_only=True)
    state = serializers.ChoiceField(choices=GateCriterion.State.choices, read_only=True)
    justification = serializers.CharField(read_only=True)
    decided_by = _public_id("decided_by", allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class WaiveCriterionSerializer(StrictSerializer):
    justification = serializers.CharField(allow_blank=True, help_text="Why it is waived.")


# --- Reviews and KPIs -----------------------------------------------------------------------


class ReviewResultSerializer(serializers.Serializer):
    kpi = _public_id("kpi")
    value = serializers.DecimalField(
        max_digits=14, decimal_places=4, read_only=True, allow_null=True
    )
    target = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True)
    met = serializers.BooleanField(read_only=True)
    # "no_data" when the window held no measurement: then met is false, yet it is no miss.
    outcome = serializers.ChoiceField(choices=ReviewKpiResult.Outcome.choices, read_only=True)
    root_cause = serializers.CharField(read_only=True)
    corrective_action = serializers.CharField(read_only=True)
    action_owner = _public_id("action_owner", allow_null=True)
    action_due = serializers.DateField(read_only=True, allow_null=True)


class ReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = _public_id("engagement")
    day = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    focus = serializers.CharField(read_only=True)
    scheduled_on = serializers.DateField(read_only=True)
    window_days = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Review.Status.choices, read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    published_by = _public_id("published_by", allow_null=True)
    published_early = serializers.BooleanField(read_only=True)
    publish_reason = serializers.CharField(read_only=True)
    target_standing = serializers.CharField(read_only=True)
    misses_understood = serializers.CharField(read_only=True)
    lessons_learned = serializers.CharField(read_only=True)
    next_period_changes = serializers.CharField(read_only=True)
    results = ReviewResultSerializer(many=True, read_only=True)


class KpiSerializer(StrictSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    engagement = serializers.UUIDField(source="engagement.public_id")
    key = serializers.SlugField(max_length=80)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=20, allow_blank=True, required=False, default="")
    target = serializers.DecimalField(max_digits=14, decimal_places=4)
    direction = serializers.ChoiceField(choices=Kpi.Direction.choices)
    contractual_from = serializers.DateField(required=False, allow_null=True, default=None)


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


class MeasurementSerializer(StrictSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kpi = serializers.UUIDField(source="kpi.public_id")
    engagement = _public_id("kpi.engagement")
    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    recorded_by = _public_id("recorded_by", allow_null=True)
    recorded_at = serializers.DateTimeField(read_only=True)


class MeasurementBatchSerializer(StrictSerializer):
    measurements = MeasurementSerializer(many=True, max_length=MAX_BULK_ROWS, allow_empty=False)


class MeasurementBatchResultSerializer(serializers.Serializer):
    results = MeasurementSerializer(many=True, read_only=True)


# --- API tokens -------------------------------------------------------------------------------


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


class IssuedApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The token itself, shown once (null when an Idempotency-Key replays it).",
    )
