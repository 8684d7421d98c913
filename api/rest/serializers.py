"""What each resource looks like over the API, and what a request may send.

UUIDs for every object and every parent (``engagement``, ``owner``, ...), enums as lower-case
words, dates as ``YYYY-MM-DD`` and timestamps in ISO 8601 with their offset. Every request
serializer refuses fields it does not know, naming them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail

from accounts.models import Membership, User, known_time_zones
from engagements.models import Engagement, EngagementMember, Phase, Playbook
from engagements.playbooks import get_builtin, parse_definition
from engagements.selectors import visible_engagements
from governance.models import Gate, GateAttestation, GateCriterion, GateDecision
from kernel.errors import NotFound
from kernel.text import LONE_SURROGATE, unstorable_text
from milestones.models import Milestone
from registers.models import RaidItem
from reporting.models import Kpi, Review, ReviewKpiResult

MAX_DEPENDENCIES = 200
MAX_BULK_ROWS = 1000


def _public_id(source: str, **kwargs: Any) -> serializers.UUIDField:
    return serializers.UUIDField(source=f"{source}.public_id", read_only=True, **kwargs)


class StrictSerializer(serializers.Serializer):
    """A request body, every bad field named in one answer.

    A field this serializer does not know is refused, naming it. A text field takes a JSON
    string only (never a number taken as text) holding text the kernel can keep
    (``kernel.text.unstorable_text``); no field echoes invalid Unicode back. Then
    ``resolve_references`` looks up what the fields that parsed name (an engagement, an
    owner...) with the caller's ``actor`` and ``tenant`` from the context, so a malformed date
    and an unknown owner are named together. ``validated_data`` holds the objects found.
    """

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # the refusal of a body that is no object
        values: dict[str, Any] = {}
        parsed: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for field in self._writable_fields:
            primitive = field.get_value(data)
            refused = _text_refusal(field, primitive)
            if refused:
                errors[field.field_name] = [refused]
                continue
            try:
                validated = field.run_validation(primitive)
            except serializers.ValidationError as invalid:
                errors[field.field_name] = invalid.detail
            except DjangoValidationError as invalid:
                errors[field.field_name] = get_error_detail(invalid)
            except SkipField:
                pass
            else:
                parsed[field.field_name] = validated
                self.set_value(values, field.source_attrs, validated)
        for name, found in self.resolve_references(parsed, errors).items():
            values[name] = found
        errors.update({str(name): ["Unknown field."] for name in data if name not in self.fields})
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def resolve_references(self, parsed: dict[str, Any], errors: dict[str, Any]) -> dict:
        """The objects that the parsed fields name, by field name; a field naming nothing
        the caller may use gets its message in ``errors``. Fields already in ``errors`` and
        those that depend on them are left alone."""
        return {}

    @property
    def actor(self):
        return self.context["actor"]

    @property
    def tenant(self):
        return self.context["tenant"]


def _text_refusal(field: serializers.Field, primitive: Any) -> str | None:
    """Why a text value is refused before its field reads it, or None."""
    if primitive is empty or primitive is None:
        return None
    if isinstance(field, serializers.CharField):
        if not isinstance(primitive, str):
            return "Not a valid string."
        return unstorable_text(primitive)
    if isinstance(primitive, str) and LONE_SURROGATE.search(primitive):
        return "Not valid Unicode text."
    return None


OWNER_NOT_MEMBER = "The owner must be a member of the engagement."


def _visible_engagement(serializer: StrictSerializer, public_id, errors: dict, *, field: str):
    """The engagement a body names (None, with ``field`` named, when the caller sees none)."""
    engagement = visible_engagements(actor=serializer.actor).filter(public_id=public_id).first()
    if engagement is None:
        errors[field] = ["No such engagement."]
    return engagement


def _member_of(engagement, public_id):
    return User.objects.filter(
        public_id=public_id, engagement_memberships__engagement=engagement
    ).first()


def _engagement_of_body(serializer: StrictSerializer, parsed: dict, errors: dict, *, noun: str):
    """The engagement a new object names, or the one an existing object keeps (``engagement``
    in the context): it cannot move to another."""
    fixed = serializer.context.get("engagement")
    if "engagement" not in parsed:
        return fixed
    public_id = parsed["engagement"]
    if fixed is None:
        return _visible_engagement(serializer, public_id, errors, field="engagement")
    if public_id != fixed.public_id:
        errors["engagement"] = [f"A {noun} cannot move to another engagement."]
    return fixed


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

    def resolve_references(self, parsed, errors):
        """The engagement (kept from the context on PUT and PATCH), phase, owner and
        dependencies a body names, each one this caller may use."""
        found: dict[str, Any] = {}
        engagement = _engagement_of_body(self, parsed, errors, noun="milestone")
        if "engagement" in parsed:
            found["engagement"] = engagement
        url_id = self.context.get("external_id")
        if url_id is not None and parsed.get("external_id") not in (None, url_id):
            errors["external_id"] = ["Must match the external id in the URL."]
        if engagement is not None and "phase" in parsed:
            found["phase"] = Phase.objects.filter(
                engagement=engagement, kind=parsed["phase"]
            ).first()
            if found["phase"] is None:
                errors["phase"] = ["This engagement has no such phase."]
        if engagement is not None and "owner" in parsed:
            found["owner"] = _member_of(engagement, parsed["owner"])
            if found["owner"] is None:
                errors["owner"] = [OWNER_NOT_MEMBER]
        if "depends_on" in parsed:
            wanted = list(dict.fromkeys(parsed["depends_on"]))
            visible = {
                milestone.public_id: milestone
                for milestone in Milestone.objects.visible_to(self.actor)
                .filter(public_id__in=wanted)
                .select_related("phase")
            }
            missing = [public_id for public_id in wanted if public_id not in visible]
            if missing:
                errors["depends_on"] = [f"No such milestone: {public_id}." for public_id in missing]
            found["depends_on"] = [visible[p] for p in wanted if p in visible]
        return found


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
    self_approved = serializers.BooleanField(
        read_only=True,
        help_text="The PMO who approved also requested the decision (the tenant turned four "
        "eyes off).",
    )


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

    def resolve_references(self, parsed, errors):
        if "engagement" not in parsed:
            return {}
        return {"engagement": _engagement_of_body(self, parsed, errors, noun="KPI")}


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

    def resolve_references(self, parsed, errors):
        found: dict[str, Any] = {}
        engagement = _engagement_of_body(self, parsed, errors, noun="RAID item")
        if "engagement" in parsed:
            found["engagement"] = engagement
        if engagement is not None and "owner" in parsed:
            found["owner"] = _member_of(engagement, parsed["owner"])
            if found["owner"] is None:
                errors["owner"] = [OWNER_NOT_MEMBER]
        return found


class RaidItemPatchSerializer(RaidItemSerializer):
    """A change to a RAID item: its kind is fixed once created."""

    kind = None


class MeasurementSerializer(StrictSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kpi = serializers.UUIDField(source="kpi.public_id")
    engagement = _public_id("kpi.engagement")
    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    recorded_by = _public_id("recorded_by", allow_null=True)
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
