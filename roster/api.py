"""The readiness roster over the API: people (upserted by the provider's HR id), training and
certification results, and access steps with their transitions. Every write goes through
``roster.services`` and ``roster.access``, the rules of the pages and the uploads.

A person's name and e-mail are personal data: the API shows them only to those who may see
the engagement (``visible_to``), and an erased person shows as erased (``erased: true``, the
replaced name, no e-mail), in lists, in the change feed and in webhooks alike.
"""

from __future__ import annotations

import uuid
from typing import Any

import django_filters as filters
from django import forms as django_forms
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.feed import scoped
from api.rest.base import ApiViewSet
from api.rest.filters import ByEngagement
from api.rest.references import engagement_of_body, member_of
from api.rest.schema import Operation, documented, list_operation, one_operation
from api.rest.serializers import StrictSerializer, iso
from kernel.errors import InvalidInput, NotFound
from roster import access, services
from roster.models import AccessStep, Person, Requirement, Result, Wave
from roster.readiness import readiness_of

ENGAGEMENT_ID = "3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f"
PERSON_ID = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
USER_ID = "8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e"

# --- People ---------------------------------------------------------------------------------

PERSON = {
    "id": PERSON_ID,
    "engagement": ENGAGEMENT_ID,
    "external_id": "HR-1001",
    "name": "Ana Lima",
    "email": "ana.lima@provider.example",
    "role": "agent",
    "wave": 1,
    "site": "Lisbon",
    "start_date": "2026-01-19",
    "status": "in_training",
    "ready": False,
    "erased": False,
    "created_at": "2026-01-12T09:00:00Z",
    "updated_at": "2026-01-26T16:30:00Z",
}
PERSON_WRITE = {
    "engagement": ENGAGEMENT_ID,
    "external_id": "HR-1001",
    "name": "Ana Lima",
    "email": "ana.lima@provider.example",
    "role": "agent",
    "wave": 1,
    "site": "Lisbon",
    "start_date": "2026-01-19",
}


def represent_person(person: Person, ready: bool | None) -> dict[str, Any]:
    erased = person.erased
    return {
        "id": str(person.public_id),
        "engagement": str(person.engagement.public_id),
        "external_id": person.external_id or None,
        "name": services.ERASED_NAME if erased else person.name,
        "email": None if erased else person.email,
        "role": person.role,
        "wave": person.wave.number,
        "site": person.site,
        "start_date": person.start_date.isoformat(),
        "status": person.status,
        "ready": ready,
        "erased": erased,
        "created_at": iso(person.created_at),
        "updated_at": iso(person.updated_at),
    }


def represent_people(people: list[Person]) -> list[dict[str, Any]]:
    """People with their readiness: three queries per engagement on the page, whatever its
    size."""
    ready: dict[int, bool] = {}
    by_engagement: dict[int, list[Person]] = {}
    for person in people:
        by_engagement.setdefault(person.engagement_id, []).append(person)
    for group in by_engagement.values():
        for row in readiness_of(group, engagement=group[0].engagement):
            ready[row.person.pk] = row.ready
    return [represent_person(person, ready.get(person.pk)) for person in people]


class PersonSerializer(StrictSerializer):
    """Reads describe a person; writes go through ``roster.services`` (PUT by external id,
    POST and PATCH)."""

    id = serializers.UUIDField(read_only=True)
    engagement = serializers.UUIDField(help_text="Cannot change once created.")
    external_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="The provider's HR id, unique in the engagement.",
    )
    name = serializers.CharField(max_length=120)
    email = serializers.CharField(max_length=254, help_text="A work e-mail, once per wave.")
    role = serializers.CharField(max_length=40, help_text="A role of the playbook's roster.")
    wave = serializers.IntegerField(help_text="The number of one of the engagement's waves.")
    site = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    # Every status a person can be in; "certified" is reached by a pass, and setting it is
    # refused by the service (409).
    status = serializers.ChoiceField(
        choices=Person.Status.choices,
        required=False,
        help_text="Planned, in training, live (only when ready) or left; 'certified' comes "
        "from a passed certification.",
    )
    ready = serializers.BooleanField(
        read_only=True,
        help_text="Every module and the certification passed, every system "
        "verified: computed, never set.",
    )
    erased = serializers.BooleanField(
        read_only=True, help_text="Erased on request: the name is replaced, the e-mail gone."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance):
        return instance  # already represented by represent_person

    def resolve_references(self, parsed, errors):
        found: dict[str, Any] = {}
        engagement = engagement_of_body(self, parsed, errors, noun="person")
        if "engagement" in parsed:
            found["engagement"] = engagement
        url_id = self.context.get("external_id")
        if url_id is not None and parsed.get("external_id") not in (None, url_id):
            errors["external_id"] = ["Must match the external id in the URL."]
        return found


class WholeNumberFilter(filters.NumberFilter):
    """A whole number: ``?wave=0.5`` is refused (400), not read as a wave that never matches."""

    field_class = django_forms.IntegerField


TRUE_OR_FALSE = (("true", "true"), ("false", "false"))


class PersonFilter(ByEngagement):
    wave = WholeNumberFilter(field_name="wave__number")
    role = filters.CharFilter(max_length=40)
    status = filters.MultipleChoiceFilter(choices=Person.Status.choices)
    external_id = filters.CharFilter(max_length=64)


class EraseSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=300, help_text="Why: the request's reference.")


PERSON_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("people of the roster", PersonSerializer, PERSON),
    "retrieve": one_operation("person of the roster", PersonSerializer, PERSON),
    "create": Operation(
        "Add a person to the roster (the provider's team and PMO)",
        PersonSerializer,
        PERSON,
        PersonSerializer,
        PERSON_WRITE,
        201,
    ),
    "partial_update": Operation(
        "Change some fields of a person, or their status (live only when ready)",
        PersonSerializer,
        PERSON,
        PersonSerializer,
        {"site": "Porto", "status": "live"},
    ),
    "erase": Operation(
        "Erase a person on request (PMO): the name and e-mail are replaced, results stay",
        PersonSerializer,
        {**PERSON, "name": "Erased person", "email": None, "erased": True},
        EraseSerializer,
        {"reason": "Request GDPR-2026-17"},
    ),
    "by_external_id": [
        Operation(
            "Read a person by the provider's HR id", PersonSerializer, PERSON, methods=("GET",)
        ),
        Operation(
            "Add or change a person by the provider's HR id (idempotent)",
            {200: PersonSerializer, 201: PersonSerializer},
            PERSON,
            PersonSerializer,
            PERSON_WRITE,
            methods=("PUT",),
        ),
    ],
}


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


PERSON_FIELDS = ("name", "email", "role", "site", "start_date", "wave")


@documented("roster-people", PERSON_OPERATIONS)
class PersonViewSet(ApiViewSet):
    """The roster's people of the engagements the caller is in."""

    queryset = Person.objects.none()  # the model, for the schema
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    http_method_names = ["get", "post", "patch", "put", "head"]

    def get_queryset(self):
        return Person.objects.visible_to(self.actor).select_related("engagement", "wave")

    def get_object(self) -> Person:
        public_id = self.parse_public_id(self.kwargs[self.lookup_url_kwarg])
        return self._visible(public_id=public_id)

    def _visible(self, **lookup) -> Person:
        person = self.get_queryset().filter(**lookup).first()
        if person is None:
            raise NotFound("No such person.")
        return person

    def represent(self, person: Person) -> dict:
        return represent_people([person])[0]

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(represent_people(list(rows)))

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())

    @transaction.atomic
    def create(self, request):
        data = self.validated(PersonSerializer, request.data)
        person = services.add_person(
            actor=self.actor,
            engagement=data["engagement"],
            external_id=data["external_id"] or "",
            **{name: data[name] for name in PERSON_FIELDS if name in data},
        )
        if data.get("status"):
            services.set_status(actor=self.actor, person=person, status=data["status"])
        return self.created_response(self._visible(pk=person.pk))

    def partial_update(self, request, id=None):
        person = self.get_object()
        data = self.validated(
            PersonSerializer, request.data, partial=True, engagement=person.engagement
        )
        return self._write(person, data)

    @transaction.atomic
    def _write(self, person: Person, data: dict):
        changes = {name: data[name] for name in PERSON_FIELDS if name in data}
        if "external_id" in data:
            changes["external_id"] = data["external_id"] or ""
        if changes:
            services.change_person(actor=self.actor, person=person, **changes)
        if data.get("status") and data["status"] != person.status:
            services.set_status(actor=self.actor, person=person, status=data["status"])
        return self.object_response(self._visible(pk=person.pk))

    @action(detail=True, methods=["post"])
    def erase(self, request, id=None):
        person = self.get_object()
        data = self.validated(EraseSerializer, request.data)
        services.erase_person(actor=self.actor, person=person, reason=data["reason"])
        return self.object_response(self._visible(pk=person.pk))

    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"by-external-id/(?P<external_id>[^/]{1,64})",
        url_name="by-external-id",
    )
    def by_external_id(self, request, external_id: str):
        if any(ord(character) < 32 for character in external_id):
            raise NotFound("No such person.")
        # An HR id is unique within an engagement: a caller who sees several names which one
        # (``?engagement=`` to read, the body's ``engagement`` to write) when it is ambiguous.
        named = request.query_params.get("engagement") or (
            request.data.get("engagement") if isinstance(request.data, dict) else None
        )
        matches = self.get_queryset().filter(external_id=external_id)
        if named:
            matches = matches.filter(engagement__public_id=_uuid_or_none(named))
        matches = list(matches.select_related("engagement")[:2])
        if len(matches) > 1:
            raise InvalidInput(
                f"The HR id {external_id} is on several of your engagements: name one.",
                errors={"engagement": ["Name the engagement (?engagement=<id> or in the body)."]},
            )
        existing = matches[0] if matches else None
        if request.method == "GET":
            if existing is None:
                raise NotFound("No such person.")
            return self.object_response(existing)
        data = self.validated(
            PersonSerializer,
            request.data,
            engagement=existing.engagement if existing is not None else None,
            external_id=external_id,
        )
        data["external_id"] = external_id
        if existing is not None:
            return self._write(existing, data)
        values = {name: data[name] for name in PERSON_FIELDS if name in data}
        try:
            with transaction.atomic():
                person, _created = services.upsert_person(
                    actor=self.actor,
                    engagement=data["engagement"],
                    external_id=external_id,
                    **values,
                )
                if data.get("status"):
                    services.set_status(actor=self.actor, person=person, status=data["status"])
        except IntegrityError:
            # Another request added this HR id meanwhile: this one changes it.
            return self._write(self._visible(external_id=external_id), data)
        return self.created_response(self._visible(pk=person.pk))


def show_people(actor: Any, ids: list[str]) -> dict[str, dict]:
    """The change feed's people, as the API shows them now (erased ones as erased)."""
    people = list(
        scoped(Person, actor).filter(public_id__in=ids).select_related("engagement", "wave")
    )
    return {row["id"]: row for row in represent_people(people)}


# --- Results --------------------------------------------------------------------------------

RESULT = {
    "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "person": PERSON_ID,
    "requirement": "certification",
    "kind": "certification",
    "attempt": 2,
    "passed": True,
    "taken_on": "2026-01-30",
    "score": 88,
    "assessor": USER_ID,
    "evidence": "LMS report 12",
    "recorded_at": "2026-01-30T17:02:11Z",
}
RESULT_WRITE = {
    k: v for k, v in RESULT.items() if k not in {"id", "kind", "attempt", "recorded_at"}
}


class ResultSerializer(StrictSerializer):
    """One attempt at a module or the certification; a re-take is a new attempt."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id")
    requirement = serializers.CharField(
        source="requirement.key",
        max_length=60,
        help_text="The key of a module or of the certification of the person's role.",
    )
    kind = serializers.ChoiceField(
        source="requirement.kind", choices=Requirement.Kind.choices, read_only=True
    )
    attempt = serializers.IntegerField(read_only=True)
    passed = serializers.BooleanField()
    taken_on = serializers.DateField(help_text="Not in the future.")
    score = serializers.IntegerField(required=False, allow_null=True, default=None)
    assessor = serializers.UUIDField(
        source="assessor.public_id", help_text="A member of the engagement."
    )
    evidence = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    recorded_at = serializers.DateTimeField(read_only=True)

    def resolve_references(self, parsed, errors):
        found: dict[str, Any] = {}
        if "person" in parsed:
            person = (
                Person.objects.visible_to(self.actor)
                .filter(public_id=parsed["person"])
                .select_related("engagement")
                .first()
            )
            if person is None:
                errors["person"] = ["No such person."]
            else:
                found["person"] = person
                if "assessor" in parsed:
                    found["assessor"] = member_of(person.engagement, parsed["assessor"])
                    if found["assessor"] is None:
                        errors["assessor"] = ["The assessor must be a member of the engagement."]
        return found


class ResultFilter(ByEngagement):
    engagement = filters.UUIDFilter(field_name="person__engagement__public_id")
    person = filters.UUIDFilter(field_name="person__public_id")
    requirement = filters.CharFilter(field_name="requirement__key", max_length=60)
    # true or false, nothing else: ``?passed=AAA`` is refused, not ignored.
    passed = filters.ChoiceFilter(choices=TRUE_OR_FALSE, method="filter_passed")

    def filter_passed(self, queryset, name, value: str):
        return queryset.filter(passed=value == "true")


RESULT_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("training and certification results", ResultSerializer, RESULT),
    "retrieve": one_operation("result", ResultSerializer, RESULT),
    "create": Operation(
        "Record an attempt (the provider's team and PMO); a passed certification certifies",
        ResultSerializer,
        RESULT,
        ResultSerializer,
        RESULT_WRITE,
        201,
    ),
}


@documented("roster-results", RESULT_OPERATIONS)
class ResultViewSet(ApiViewSet):
    queryset = Result.objects.none()
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    http_method_names = ["get", "post", "head"]

    def get_queryset(self):
        return Result.objects.visible_to(self.actor).select_related(
            "person", "requirement", "assessor"
        )

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())

    def create(self, request):
        data = self.validated(ResultSerializer, request.data)
        person = data["person"]
        result = services.record_result(
            actor=self.actor,
            person=person,
            requirement=data["requirement"]["key"],
            passed=data["passed"],
            taken_on=data["taken_on"],
            assessor=data["assessor"],
            score=data["score"],
            evidence=data["evidence"],
        )
        return self.created_response(result)


# --- Access steps ---------------------------------------------------------------------------

ACCESS_STEP = {
    "id": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
    "person": PERSON_ID,
    "system": "crm",
    "system_name": "CRM",
    "batch": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b",
    "status": "approved",
    "waiting_on": "provider",
    "waiting_since": "2026-01-27T10:15:00Z",
    "requested_at": "2026-01-26T09:00:00Z",
    "requested_by": USER_ID,
    "approved_at": "2026-01-27T10:15:00Z",
    "approved_by": USER_ID,
    "provisioned_at": None,
    "provisioned_by": None,
    "verified_at": None,
    "verified_by": None,
    "refused_at": None,
    "refused_by": None,
    "refusal_reason": "",
}


def _user_id(source: str) -> serializers.UUIDField:
    return serializers.UUIDField(source=f"{source}.public_id", read_only=True, allow_null=True)


class AccessStepSerializer(serializers.Serializer):
    """One person's access to one client system: requested, approved (by the client),
    provisioned and verified (by the provider), or refused with a reason."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    system = serializers.CharField(source="system.key", read_only=True)
    system_name = serializers.CharField(source="system.name", read_only=True)
    batch = serializers.UUIDField(source="batch.public_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=AccessStep.Status.choices, read_only=True)
    waiting_on = serializers.ChoiceField(
        choices=[("client", "client"), ("provider", "provider")],
        read_only=True,
        allow_null=True,
        help_text="Who the step waits on now; null when verified or refused.",
    )
    waiting_since = serializers.DateTimeField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    requested_by = _user_id("requested_by")
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approved_by = _user_id("approved_by")
    provisioned_at = serializers.DateTimeField(read_only=True, allow_null=True)
    provisioned_by = _user_id("provisioned_by")
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    verified_by = _user_id("verified_by")
    refused_at = serializers.DateTimeField(read_only=True, allow_null=True)
    refused_by = _user_id("refused_by")
    refusal_reason = serializers.CharField(read_only=True)


class AccessStepFilter(ByEngagement):
    engagement = filters.UUIDFilter(field_name="person__engagement__public_id")
    person = filters.UUIDFilter(field_name="person__public_id")
    system = filters.CharFilter(field_name="system__key", max_length=60)
    status = filters.MultipleChoiceFilter(choices=AccessStep.Status.choices)
    batch = filters.UUIDFilter(field_name="batch__public_id")


class MoveSerializer(StrictSerializer):
    """Approve, provision or verify: nothing to say."""


class RefuseSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the access is refused.")


class RequestAccessSerializer(StrictSerializer):
    engagement = serializers.UUIDField()
    wave = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Every person of this wave."
    )
    people = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=5000,
        help_text="Or these people (when no wave is named).",
    )
    label = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    def resolve_references(self, parsed, errors):
        found: dict[str, Any] = {}
        engagement = engagement_of_body(self, parsed, errors, noun="batch")
        found["engagement"] = engagement
        if engagement is None:
            return found
        if parsed.get("wave") is not None:
            found["wave"] = Wave.objects.filter(
                engagement=engagement, number=parsed["wave"]
            ).first()
            if found["wave"] is None:
                errors["wave"] = [f"No wave {parsed['wave']} on this roster."]
        if parsed.get("people"):
            wanted = list(dict.fromkeys(parsed["people"]))
            people = {
                person.public_id: person
                for person in Person.objects.filter(engagement=engagement, public_id__in=wanted)
            }
            missing = [str(public_id) for public_id in wanted if public_id not in people]
            if missing:
                errors["people"] = [f"No such person on this roster: {i}." for i in missing[:20]]
            found["people"] = [people[i] for i in wanted if i in people]
        if parsed.get("wave") is None and not parsed.get("people"):
            errors["wave"] = ["Name a wave or at least one person."]
        return found


def _move(summary: str, body=None, example=None) -> Operation:
    return Operation(summary, AccessStepSerializer, ACCESS_STEP, body, example)


ACCESS_OPERATIONS: dict[str, Operation | list[Operation]] = {
    "list": list_operation("access steps", AccessStepSerializer, ACCESS_STEP),
    "retrieve": one_operation("access step", AccessStepSerializer, ACCESS_STEP),
    "approve": _move("Approve a requested access (the client's team and PMO)", MoveSerializer, {}),
    "provision": _move("Provision an approved access (the provider's team)", MoveSerializer, {}),
    "verify": _move("Verify a provisioned access (the provider's team)", MoveSerializer, {}),
    "refuse": _move(
        "Refuse a requested or approved access, saying why (the client's team and PMO)",
        RefuseSerializer,
        {"reason": "Role not entitled to the dialer."},
    ),
    "request_access": Operation(
        "Request every required system for a wave or some people, as one batch",
        AccessStepSerializer(many=True),
        [ACCESS_STEP],
        RequestAccessSerializer,
        {"engagement": ENGAGEMENT_ID, "wave": 1},
        201,
    ),
}


@documented("roster-access-steps", ACCESS_OPERATIONS)
class AccessStepViewSet(ApiViewSet):
    queryset = AccessStep.objects.none()
    serializer_class = AccessStepSerializer
    filterset_class = AccessStepFilter
    http_method_names = ["get", "post", "head"]

    def get_queryset(self):
        return AccessStep.objects.visible_to(self.actor).select_related(
            "person__engagement",
            "system",
            "batch",
            "requested_by",
            "approved_by",
            "provisioned_by",
            "verified_by",
            "refused_by",
        )

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())

    def _advance(self, request, name: str, serializer_class=MoveSerializer):
        step = self.get_object()
        data = self.validated(serializer_class, request.data)
        access.advance(
            actor=self.actor,
            engagement=step.person.engagement,
            steps=[step],
            action=name,
            reason=data.get("reason", ""),
        )
        return self.object_response(self.get_queryset().get(pk=step.pk))

    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        return self._advance(request, "approve")

    @action(detail=True, methods=["post"])
    def provision(self, request, id=None):
        return self._advance(request, "provision")

    @action(detail=True, methods=["post"])
    def verify(self, request, id=None):
        return self._advance(request, "verify")

    @action(detail=True, methods=["post"])
    def refuse(self, request, id=None):
        return self._advance(request, "refuse", RefuseSerializer)

    @action(detail=False, methods=["post"], url_path="request", url_name="request")
    def request_access(self, request):
        data = self.validated(RequestAccessSerializer, request.data)
        batch = access.request_access(
            actor=self.actor,
            engagement=data["engagement"],
            wave=data.get("wave"),
            people=data.get("people") or None,
            label=data["label"],
        )
        steps = self.get_queryset().filter(batch=batch).order_by("person_id", "system_id")
        return self._many(steps, status=201)

    def _many(self, steps, *, status: int):
        return Response(self.get_serializer(list(steps), many=True).data, status=status)


def show_access_steps(actor: Any, ids: list[str]) -> dict[str, dict]:
    rows = (
        scoped(AccessStep, actor)
        .filter(public_id__in=ids)
        .select_related(
            "person",
            "system",
            "batch",
            "requested_by",
            "approved_by",
            "provisioned_by",
            "verified_by",
            "refused_by",
        )
    )
    return {str(row.public_id): AccessStepSerializer(row).data for row in rows}


def show_results(actor: Any, ids: list[str]) -> dict[str, dict]:
    rows = (
        scoped(Result, actor)
        .filter(public_id__in=ids)
        .select_related("person", "requirement", "assessor")
    )
    return {str(row.public_id): ResultSerializer(row).data for row in rows}
