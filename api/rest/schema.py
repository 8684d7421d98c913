"""The OpenAPI description: the bearer scheme, problem+json errors, the ETag, If-Match and
Idempotency-Key headers, and an example for every operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers as drf

from api.rest import examples as ex
from api.rest.exceptions import PROBLEM_CONTENT_TYPE
from api.rest.serializers import StrictSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.rest.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token issued by a tenant admin (`/api-tokens/` or "
                "`manage.py api_token create`): `Authorization: Bearer bpo_...`. It acts as one "
                "member in one tenant, read-only or read-write."
            ),
        }


class ProblemSerializer(drf.Serializer):
    """RFC 9457 problem details, served as application/problem+json."""

    type = drf.CharField(help_text="A URI naming the kind of problem.")
    title = drf.CharField()
    status = drf.IntegerField()
    detail = drf.CharField()
    errors = drf.DictField(
        child=drf.ListField(child=drf.CharField()),
        help_text="Each bad field (or `rows[3].value`) with its messages.",
    )
    items = drf.ListField(
        child=drf.CharField(), required=False, help_text="409: what is still open."
    )

    class Meta:
        ref_name = "Problem"


ERRORS = {
    "400": (
        "Malformed JSON; unknown or invalid fields; a reference to nothing you may use (an "
        "unknown engagement, KPI or milestone, an owner who is not a member of the engagement); "
        "on lists a malformed filter, `cursor` or `page_size`. Every bad field or parameter is "
        "named in `errors`; nothing was written."
    ),
    "401": "Missing, unknown or revoked token.",
    "403": "Not allowed for this member or token (e.g. a read-only token writing).",
    "404": "No such object, or one this caller may not see (indistinguishable).",
    "406": "The Accept header asks for something other than JSON.",
    "409": "A business rule refused; `items` lists what is still open.",
    "412": (
        "If-Match names no current ETag of the object (it changed since you read it, or the "
        "value is no ETag it had): nothing was changed."
    ),
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
    "422": "The Idempotency-Key was already used with another request (method, path or body).",
    "429": "Too many requests for this token; retry after `Retry-After` seconds.",
}

ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=["200", "201"],
    description="The object's version: send it back in If-Match (writes) or If-None-Match.",
)
LOCATION = OpenApiParameter("Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=["201"])
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    pattern=r"^[\x21-\x7e]{1,255}$",
    description=(
        "Any unique string (a UUID). A retry with the same key and body returns the first "
        "response and does nothing again (24 hours); the same key with another body is a 422."
    ),
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The ETag you read (or `*`, any version): if the object changed since, the write "
        "answers 412 and changes nothing. Without it the write applies to whatever is current."
    ),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag you hold: 304 when the object has not changed.",
)
HEADER_SCHEMA = {"schema": {"type": "string"}}


# The kernel's text rule (kernel.text.unstorable_text) as a JSON Schema pattern: no
# NUL or other control character (tab and line breaks are text), and, where a value is
# required, something besides whitespace (the server trims it off).
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT_PATTERN = rf"^[^{CONTROL}]*$"
REQUIRED_TEXT_PATTERN = rf"^[^{CONTROL}]*[^\s{CONTROL}][^{CONTROL}]*$"
# A filter's text value (api.rest.filters.StrictFilterSet): not empty, no whitespace around it.
FILTER_TEXT_PATTERN = rf"^[^\s{CONTROL}](?:[^{CONTROL}]*[^\s{CONTROL}])?$"


class ApiAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        meta = super()._map_serializer_field(field, direction, bypass_extensions)
        # drf-spectacular leaves out that a list refusing to be empty needs one item.
        if isinstance(field, drf.ListField | drf.ListSerializer) and not field.allow_empty:
            meta["minItems"] = max(meta.get("minItems", 0), 1)
        # A text field of a request takes text by the kernel's rule (its subclasses, slugs
        # and URLs, have patterns and formats of their own).
        if direction == "request" and type(field) is drf.CharField and not field.read_only:
            meta["pattern"] = TEXT_PATTERN if field.allow_blank else REQUIRED_TEXT_PATTERN
        # drf-spectacular's decimal pattern lets "" and "." through; a number has a digit.
        if isinstance(field, drf.DecimalField) and meta.get("type") == "string":
            whole = field.max_digits - field.decimal_places
            places = field.decimal_places
            meta["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        return meta

    def _get_filter_parameters(self) -> list[dict]:
        parameters = super()._get_filter_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        declared = filterset.base_filters if filterset is not None else {}
        for parameter in parameters:
            schema = parameter["schema"]
            if schema.get("type") != "string" or {"format", "enum", "pattern"} & set(schema):
                continue
            schema["pattern"] = FILTER_TEXT_PATTERN
            found = declared.get(parameter["name"])
            if found is not None and found.extra.get("max_length"):
                schema["maxLength"] = found.extra["max_length"]
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        meta = super()._map_basic_serializer(serializer, direction)
        # A request body with a field its serializer does not know is a 400 naming it.
        if direction == "request" and isinstance(serializer, StrictSerializer):
            meta["additionalProperties"] = False
        # Rules across fields that a request serializer states itself (not its subclasses).
        rules = type(serializer).__dict__.get("schema_all_of")
        if direction == "request" and rules:
            meta["allOf"] = rules
        return meta

    def _is_api(self) -> bool:
        from api.rest.base import ApiViewSet

        return isinstance(self.view, ApiViewSet)

    def _is_detail(self) -> bool:
        return "{" in self.path

    def _returns_object(self) -> bool:
        return self.method in {"GET", "POST", "PUT", "PATCH"} and not self._is_list_view()

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        if not self._is_api():
            return parameters
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        if self.method in {"PUT", "PATCH", "DELETE"} or (
            self.method == "POST" and self._is_detail()
        ):
            parameters.append(IF_MATCH)
        if self.method == "GET" and self._is_detail():
            parameters.append(IF_NONE_MATCH)
        if self._returns_object():
            parameters.append(ETAG)
        if self.method in {"POST", "PUT"}:
            parameters.append(LOCATION)
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "406", "429"]
        # A detail path names an object; so does the body of an action a viewset lists in
        # ``not_found_actions`` (e.g. the bulk change an undo names): either may not be found.
        if self._is_detail() or getattr(self.view, "action", None) in getattr(
            self.view, "not_found_actions", ()
        ):
            codes.append("404")
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            codes += ["409", "413", "415"]
        if self.method in {"PUT", "PATCH", "DELETE"} or (
            self.method == "POST" and self._is_detail()
        ):
            codes.append("412")
        if self.method == "POST":
            codes.append("422")
        return sorted(codes)

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        if not self._is_api():
            return responses
        problem = self.resolve_serializer(ProblemSerializer(), "response").ref
        for code in self._error_codes():
            headers = {}
            if code == "401":
                headers["WWW-Authenticate"] = HEADER_SCHEMA
            if code == "429":
                headers["Retry-After"] = {"schema": {"type": "integer"}}
            content = {PROBLEM_CONTENT_TYPE: {"schema": problem}}
            if code == "409":
                content[PROBLEM_CONTENT_TYPE]["examples"] = {
                    "ItemsOpen": {"value": ex.PROBLEM, "summary": "Open items block the gate"}
                }
            responses.setdefault(
                code,
                {
                    "description": ERRORS[code],
                    "content": content,
                    **({"headers": headers} if headers else {}),
                },
            )
        if self.method == "GET" and self._is_detail():
            responses["304"] = {
                "description": "Not modified: If-None-Match names the current ETag.",
                "headers": {"ETag": HEADER_SCHEMA},
            }
        return dict(sorted(responses.items()))


@dataclass(frozen=True)
class Operation:
    summary: str
    response: Any
    response_example: Any
    request: Any = None
    request_example: Any = None
    status: int = 200
    methods: tuple[str, ...] | None = None
    description: str = ""
    parameters: tuple = ()  # OpenApiParameters of an operation that reads its query itself


def list_operation(noun: str, serializer, example) -> Operation:
    return Operation(f"List the {noun} you can see", serializer, example)


def one_operation(noun: str, serializer, example) -> Operation:
    return Operation(f"Read one {noun}", serializer, example)


def _extend(resource: str, operation: Operation):
    examples = []
    if operation.response_example is not None:
        examples.append(
            OpenApiExample(
                "Response",
                value=operation.response_example,
                response_only=True,
                status_codes=[str(operation.status)]
                if not isinstance(operation.response, dict)
                else [str(code) for code in operation.response],
            )
        )
    if operation.request is not None:
        examples.append(
            OpenApiExample("Request", value=operation.request_example, request_only=True)
        )
    response = operation.response
    if not isinstance(response, dict):
        response = {operation.status: response}
    return extend_schema(
        summary=operation.summary,
        description=operation.description or f"{operation.summary}.",
        tags=[resource],
        request=operation.request,
        responses=response,
        examples=examples,
        methods=list(operation.methods) if operation.methods else None,
        parameters=list(operation.parameters) or None,
    )


def documented(resource: str, operations: dict[str, Operation | list[Operation]]):
    """Describe a viewset's operations (by action), tagged ``resource``."""

    def decorate(viewset):
        specs = {}
        for action, operation in operations.items():
            if isinstance(operation, list):
                specs[action] = [_extend(resource, each) for each in operation]
            else:
                specs[action] = _extend(resource, operation)
        return extend_schema_view(**specs)(viewset)

    return decorate
