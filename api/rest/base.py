"""The base of every API endpoint: one viewset class that every resource extends.

It enters the caller's tenant (``TenantScopedAPIMixin``), authenticates bearer tokens and
CSRF-checked browser sessions, refuses writes with read-only tokens, throttles per token,
pages with keyset cursors, answers errors as problem details, and gives every object
response an ``ETag`` (``If-None-Match`` on GET answers 304; ``If-Match`` on writes answers
412 when stale) and every POST an ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.http import parse_etags
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from accounts.middleware import TenantScopedAPIMixin
from api import idempotency
from api.models import ApiToken
from api.rest.authentication import REFUSED, BearerTokenAuthentication
from api.rest.exceptions import IdempotencyKeyReused, problem_details
from api.rest.pagination import KeysetCursorPagination
from api.rest.permissions import ApiAccess
from api.rest.throttling import TokenRateThrottle
from engagements.permissions import require_tenant_admin
from kernel.errors import NotFound, StaleVersion

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
BODY_METHODS = {"POST", "PUT", "PATCH"}


class SafeJSONParser(JSONParser):
    """JSON only; a body nested deeper than Python's parser can follow is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as too_deep:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from too_deep


def strong_etag(payload: Any) -> str:
    text = json.dumps(payload, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def version_etag(public_id: Any, version: int) -> str:
    """The ETag of a versioned object: it changes exactly when its version does."""
    return f'"{hashlib.sha256(f"{public_id}:{version}".encode()).hexdigest()[:32]}"'


def _etag_matches(etag: str, header: str, *, weak: bool) -> bool:
    tags = parse_etags(header)
    if "*" in tags:
        return True
    if weak:
        return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}
    return etag in tags and not etag.startswith("W/")


class ApiViewSet(TenantScopedAPIMixin, viewsets.GenericViewSet):
    """Extend this for every API resource; override ``etag_for`` for versioned objects."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [ApiAccess]
    throttle_classes = [TokenRateThrottle]
    pagination_class = KeysetCursorPagination
    renderer_classes = [JSONRenderer]
    parser_classes = [SafeJSONParser]
    filter_backends = [DjangoFilterBackend]
    # No OPTIONS self-description: the OpenAPI schema is the description (405).
    metadata_class = None
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN
    # The immutable unique column that the keyset cursor pages on.
    cursor_field = "public_id"

    def get_exception_handler(self) -> Callable:
        return problem_details

    # --- Who is calling, and in which tenant ----------------------------------------------

    def perform_authentication(self, request) -> None:
        super().perform_authentication(request)
        if request.user.is_authenticated and request._request.tenant is None:
            if isinstance(request.auth, ApiToken):
                # The token's user has left its tenant: the token no longer opens anything.
                raise exceptions.AuthenticationFailed(REFUSED)
            raise exceptions.PermissionDenied("You are not a member of any tenant.")

    @property
    def actor(self):
        return self.request.user

    @property
    def tenant(self):
        return self.request._request.tenant

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if request.method in BODY_METHODS:
            # Reading the body here applies DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond it).
            body = request._request.body
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key is not None:
                self._guard_with_idempotency_key(request, key, body)

    # --- Objects --------------------------------------------------------------------------

    def validated(self, serializer_class, data: Any, *, partial: bool = False, **context) -> dict:
        """A request body through its serializer, which looks up what it names as this
        caller in this tenant (``context`` adds what it needs, e.g. the object's engagement)."""
        serializer = serializer_class(
            data=data,
            partial=partial,
            context={"actor": self.actor, "tenant": self.tenant, **context},
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def parse_public_id(self, value: Any, message: str = "No such object.") -> uuid.UUID:
        try:
            return uuid.UUID(str(value))
        except ValueError as garbled:
            raise NotFound(message) from garbled

    def get_object(self):
        public_id = self.parse_public_id(self.kwargs[self.lookup_url_kwarg])
        found = self.get_queryset().filter(**{self.lookup_field: public_id}).first()
        if found is None:
            raise NotFound("No such object.")
        return found

    def represent(self, instance: Any) -> dict:
        return self.get_serializer(instance).data

    def etag_for(self, instance: Any, representation: dict) -> str:
        return strong_etag(representation)

    def object_response(
        self, instance: Any, *, status: int = 200, representation: dict | None = None
    ) -> Response:
        representation = self.represent(instance) if representation is None else representation
        response = Response(representation, status=status)
        response["ETag"] = self.etag_for(instance, representation)
        return response

    def created_response(self, instance: Any, *, representation: dict | None = None) -> Response:
        """201 with the new object, its ETag and its ``Location`` (``api:<basename>-detail``)."""
        response = self.object_response(instance, status=201, representation=representation)
        response["Location"] = self.request.build_absolute_uri(
            reverse(f"api:{self.basename}-detail", kwargs={"id": instance.public_id})
        )
        return response

    def check_if_match(self, current_etag: Callable[[], str]) -> None:
        """Refuse a write sent with an ``If-Match`` that no longer matches (412).

        ``current_etag`` is asked only when the header was sent.
        """
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        if not _etag_matches(current_etag(), header, weak=False):
            raise StaleVersion(
                "The object changed since you read it (If-Match does not match its ETag). "
                "Read it again and resend your change."
            )

    def list_response(self, rows: list, represent: Callable[[Any], dict]) -> Response:
        return self.get_paginated_response([represent(row) for row in rows])

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        etag = response.get("ETag")
        header = request.headers.get("If-None-Match")
        if (
            etag
            and header
            and request.method in {"GET", "HEAD"}
            and response.status_code == 200
            and _etag_matches(etag, header, weak=True)
        ):
            not_modified = Response(status=304, headers={"ETag": etag})
            return super().finalize_response(request, not_modified, *args, **kwargs)
        return response

    # --- Idempotency-Key --------------------------------------------------------------------

    def idempotent_body(self, response: Response) -> Any:
        """What a replay of this response returns (override to leave out a secret)."""
        return response.data

    def _guard_with_idempotency_key(self, request, key: str, body: bytes) -> None:
        if not idempotency.KEY_PATTERN.match(key):
            raise exceptions.ValidationError(
                {"Idempotency-Key": ["Use 1 to 255 printable ASCII characters."]}
            )
        token = request.auth if isinstance(request.auth, ApiToken) else None
        caller = f"token:{token.public_id}" if token else f"user:{request.user.public_id}"
        fingerprint = idempotency.fingerprint(
            method=request.method, path=request.get_full_path(), body=body
        )
        handler = getattr(self, request.method.lower())

        def run_once(request, *args, **kwargs):
            with transaction.atomic():
                try:
                    claimed = idempotency.claim(caller=caller, key=key, fingerprint=fingerprint)
                except idempotency.KeyReused as reused:
                    raise IdempotencyKeyReused() from reused
                if isinstance(claimed, idempotency.StoredResponse):
                    return Response(
                        claimed.body,
                        status=claimed.status,
                        headers={**claimed.headers, "Idempotent-Replayed": "true"},
                    )
                response = handler(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    idempotency.store(
                        claimed=claimed,
                        status=response.status_code,
                        body=self.idempotent_body(response),
                        headers=dict(response.items()),
                    )
                else:
                    transaction.set_rollback(True)
                return response

        # DRF's dispatch looks the handler up after initial(): the request runs through this.
        setattr(self, request.method.lower(), run_once)


class ListAndRetrieve:
    """The plain list (filtered, one cursor page) and retrieve of most API resources."""

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())


class TenantAdminOnly:
    """Tenant admins only: anyone else is refused (403) before anything is looked up. The
    list is one plain cursor page (no filters)."""

    doing = ""  # what the refusal says only tenant admins may do

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_tenant_admin(actor=self.actor, tenant_id=self.tenant.pk, doing=self.doing)

    def list(self, request):
        rows = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, id=None):
        return self.object_response(self.get_object())
