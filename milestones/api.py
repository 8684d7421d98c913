"""Milestones over the API: one query for a page of rows (their dependencies included), and
every write through ``milestones.services``, as the browser's pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters as filters
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.feed import scoped
from api.rest import examples as ex
from api.rest.base import ApiViewSet, version_etag
from api.rest.filters import ByEngagement, UtcIsoDateTimeFilter
from api.rest.references import OWNER_NOT_MEMBER, engagement_of_body, member_of
from api.rest.schema import Operation, documented, list_operation, one_operation
from api.rest.serializers import StrictSerializer, iso
from engagements.models import Phase
from kernel.errors import NotFound, StaleVersion
from milestones import bulk
from milestones import services as milestones
from milestones.models import Milestone
from milestones.selectors import milestone_rows

MAX_DEPENDENCIES = 200


# --- Representation and body ------------------------------------------------------------------


def represent_milestone(row: Mapping[str, Any]) -> dict[str, Any]:
    """A milestone as consumers see it, from one row of ``milestones.selectors.milestone_rows``.

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
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
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
        engagement = engagement_of_body(self, parsed, errors, noun="milestone")
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
            found["owner"] = member_of(engagement, parsed["owner"])
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


class MilestoneFilter(ByEngagement):
    phase = filters.ChoiceFilter(field_name="phase__kind", choices=Phase.Kind.choices)
    owner = filters.UUIDFilter(field_name="owner__public_id")
    side = filters.ChoiceFilter(choices=Milestone.Side.choices)
    status = filters.MultipleChoiceFilter(choices=Milestone.Status.choices)
    due_date_after = filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due on or after this date."
    )
    due_date_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before this date."
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after this time."
    )
    external_id = filters.CharFilter(max_length=200)


# --- Bulk changes -----------------------------------------------------------------------------


class SelectedIds(serializers.ListField):
    """The selected milestones: counted before any id is parsed, so 100,000 cost nothing."""

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > bulk.MAX_ITEMS:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BulkChangeSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Milestone.Status.choices, required=False)
    owner = serializers.UUIDField(
        required=False,
        help_text="A person of the tenant; on each milestone, a member of its engagement.",
    )
    due_date = serializers.DateField(required=False)
    schema_all_of = [{"minProperties": 1}]

    class Meta:
        ref_name = "MilestoneBulkChangeFields"


class BulkRequestSerializer(StrictSerializer):
    ids = SelectedIds(
        child=serializers.UUIDField(),
        allow_empty=False,
        max_length=bulk.MAX_ITEMS,
        error_messages={
            "empty": "Select at least one milestone.",
            "max_length": f"Select at most {bulk.MAX_ITEMS:,} milestones at once.",
        },
        help_text="The milestones to change (1 to 1,000).",
    )
    change = BulkChangeSerializer(help_text="What every selected milestone gets (one or more).")
    mode = serializers.ChoiceField(
        choices=[(m, m) for m in bulk.MODES],
        required=False,
        default=bulk.ALL_OR_NOTHING,
        help_text="`all_or_nothing`: a 409 while any milestone refuses; `allowed`: change "
        "the others.",
    )
    preview = serializers.BooleanField(
        required=False, default=False, help_text="Only say what would happen; write nothing."
    )

    class Meta:
        ref_name = "MilestoneBulkChange"


class BulkUndoSerializer(StrictSerializer):
    operation = serializers.UUIDField(help_text="The `operation` a bulk change answered.")

    class Meta:
        ref_name = "MilestoneBulkUndo"


class BulkItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["change", "unchanged", "refused"])
    reasons = serializers.ListField(child=serializers.CharField())
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_null=True)),
        help_text="Each changing field: [old, new].",
    )

    class Meta:
        ref_name = "MilestoneBulkItem"


class BulkResultSerializer(serializers.Serializer):
    preview = serializers.BooleanField()
    mode = serializers.CharField()
    applied = serializers.BooleanField(help_text="Whether anything was written.")
    operation = serializers.UUIDField(
        allow_null=True, help_text="The correlation id of the change (to undo it), when written."
    )
    undo_until = serializers.DateTimeField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    results = BulkItemSerializer(many=True)

    class Meta:
        ref_name = "MilestoneBulkResult"


BULK_REQUEST = {
    "ids": [ex.MILESTONE["id"]],
    "change": {"due_date": "2026-03-02"},
    "mode": "all_or_nothing",
    "preview": True,
}
BULK_RESULT = {
    "preview": True,
    "mode": "all_or_nothing",
    "applied": False,
    "operation": None,
    "undo_until": None,
    "counts": {"change": 1, "unchanged": 0, "refused": 0},
    "results": [
        {
            "id": ex.MILESTONE["id"],
            "title": ex.MILESTONE["title"],
            "outcome": "change",
            "reasons": [],
            "changes": {"due_date": [ex.MILESTONE["due_date"], "2026-03-02"]},
        }
    ],
}


def represent_bulk_result(result: bulk.BulkResult, *, preview: bool) -> dict[str, Any]:
    return {
        "preview": preview,
        "mode": result.mode,
        "applied": result.applied,
        "operation": str(result.operation) if result.operation else None,
        "undo_until": iso(result.undo_until) if result.undo_until else None,
        "counts": {
            "change": result.changing,
            "unchanged": result.unchanged,
            "refused": result.refused,
        },
        "results": [
            {
                "id": str(item.milestone.public_id),
                "title": item.milestone.title,
                "outcome": item.outcome,
                "reasons": item.reasons,
                "changes": item.values,
            }
            for item in result.items
        ],
    }


OPERATIONS: dict[str, Operation | list[Operation]] = {
    "bulk": Operation(
        "Preview or make one change to many milestones",
        BulkResultSerializer,
        BULK_RESULT,
        BulkRequestSerializer,
        BULK_REQUEST,
        description=(
            "Set the status, owner or due date of up to 1,000 milestones. Each milestone answers "
            "to the rules of a single change; `preview: true` lists per milestone what would "
            "change and what is refused and why, writing nothing. A change is one operation "
            "(one correlation id, `operation`) that can be undone for 10 minutes: all or "
            "nothing (409 listing every refusal in `items`) unless `mode` is `allowed`. "
            "Selecting a milestone of an engagement you may only read is a 403; an id you "
            "cannot see is a 400 naming it."
        ),
    ),
    "bulk_undo": Operation(
        "Undo your last bulk change of milestones",
        BulkResultSerializer,
        BULK_RESULT,
        BulkUndoSerializer,
        {"operation": "7d0c8a52-4c1e-4d55-9d43-3f0a3f1f2b10"},
        description=(
            "Put back what a bulk change of yours changed, within 10 minutes and once: one "
            "operation of its own. A 409 names every milestone someone changed since (nothing "
            "is undone); a bulk change that is not yours is a 404."
        ),
    ),
    "list": list_operation("milestones", MilestoneSerializer, ex.MILESTONE),
    "retrieve": one_operation("milestone", MilestoneSerializer, ex.MILESTONE),
    "create": Operation(
        "Create a milestone",
        MilestoneSerializer,
        ex.MILESTONE,
        MilestoneSerializer,
        ex.MILESTONE_WRITE,
        201,
    ),
    "update": Operation(
        "Replace a milestone (fields left out take their defaults)",
        MilestoneSerializer,
        ex.MILESTONE,
        MilestoneSerializer,
        ex.MILESTONE_WRITE,
    ),
    "partial_update": Operation(
        "Change some fields of a milestone",
        MilestoneSerializer,
        ex.MILESTONE,
        MilestoneSerializer,
        ex.MILESTONE_PATCH,
    ),
    "destroy": Operation("Delete a milestone", None, None, status=204),
    "by_external_id": [
        Operation(
            "Read a milestone by your own id",
            MilestoneSerializer,
            ex.MILESTONE,
            methods=("GET",),
        ),
        Operation(
            "Create or replace a milestone by your own id (idempotent)",
            {200: MilestoneSerializer, 201: MilestoneSerializer},
            ex.MILESTONE,
            MilestoneSerializer,
            ex.MILESTONE_WRITE,
            methods=("PUT",),
        ),
    ],
}


# --- Viewset ----------------------------------------------------------------------------------


@documented("milestones", OPERATIONS)
class MilestoneViewSet(ApiViewSet):
    queryset = Milestone.objects.none()  # the model, for the schema
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    # An undo names a bulk change in its body: one not yours (or none) is a 404.
    not_found_actions = ("bulk_undo",)

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
        rows = self.paginate_queryset(milestone_rows(queryset))
        return self.get_paginated_response([represent_milestone(row) for row in rows])

    def cursor_value(self, row: dict) -> str:
        return row["id_text"]

    def represent(self, milestone: Milestone) -> dict:
        rows = list(milestone_rows(self.get_queryset().filter(pk=milestone.pk)))
        if not rows:
            raise NotFound("No such milestone.")
        return represent_milestone(rows[0])

    def etag_for(self, instance: Any, representation: dict) -> str:
        return version_etag(representation["id"], representation["version"])

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())

    # Writes.

    def create(self, request):
        data = self.validated(MilestoneSerializer, request.data)
        milestone = self._create(data)
        return self.created_response(milestone)

    def update(self, request, id=None):
        milestone = self.get_object()
        self._check_version(milestone)
        data = self.validated(MilestoneSerializer, request.data, engagement=milestone.engagement)
        return self._write(milestone, data)

    def partial_update(self, request, id=None):
        milestone = self.get_object()
        self._check_version(milestone)
        data = self.validated(
            MilestoneSerializer,
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
            MilestoneSerializer,
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
        return self.created_response(milestone)

    @action(detail=False, methods=["post"], url_path="bulk", url_name="bulk")
    def bulk(self, request):
        data = self.validated(BulkRequestSerializer, request.data)
        fields = dict(data["change"])
        if "owner" in fields:
            fields["owner"] = bulk.person_in_tenant(
                tenant_id=self.tenant.pk, public_id=fields["owner"]
            )
        change = bulk.BulkChange(**fields)
        if data["preview"]:
            result = bulk.preview_bulk_change(
                actor=self.actor, ids=data["ids"], change=change, mode=data["mode"]
            )
        else:
            result = bulk.apply_bulk_change(
                actor=self.actor,
                tenant=self.tenant,
                ids=data["ids"],
                change=change,
                mode=data["mode"],
            )
        return Response(represent_bulk_result(result, preview=data["preview"]))

    @action(detail=False, methods=["post"], url_path="bulk/undo", url_name="bulk-undo")
    def bulk_undo(self, request):
        data = self.validated(BulkUndoSerializer, request.data)
        result = bulk.undo_bulk_change(
            actor=self.actor, tenant=self.tenant, operation_id=data["operation"]
        )
        return Response(represent_bulk_result(result, preview=False))

    def _check_version(self, milestone: Milestone) -> None:
        self.check_if_match(lambda: version_etag(milestone.public_id, milestone.version))

    def _write(self, milestone: Milestone, data: dict) -> Response:
        """PUT and PATCH: what ``data`` names changes; a PUT's body names every field (those
        it leaves out take their defaults). The serializer found the references."""
        changes = {field: value for field, value in data.items() if field != "engagement"}
        expected = milestone.version if self.request.headers.get("If-Match") else None
        milestones.update_milestone(
            actor=self.actor, milestone=milestone, expected_version=expected, **changes
        )
        return self.object_response(milestone)

    def _create(self, data: dict) -> Milestone:
        return milestones.create_milestone(actor=self.actor, **data)


# --- Resource ---------------------------------------------------------------------------------


def show_milestones(actor: Any, ids: list[str]) -> dict[str, dict]:
    """The change feed's milestones: the rows of the list, by id."""
    rows = milestone_rows(scoped(Milestone, actor).filter(public_id__in=ids))
    return {row["id_text"]: represent_milestone(row) for row in rows}
