"""The one exception handler of the API: every error is an RFC 9457 problem.

``{"type", "title", "status", "detail", "errors": {"field": ["message", ...]}}`` served as
``application/problem+json``; a rule refused because of open items lists them in ``items``.
Domain errors (kernel/errors.py), Django's and DRF's exceptions are each mapped here
once; anything else is a bug and stays a 500.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from kernel.errors import (
    DomainError,
    InvalidInput,
    ItemsOpen,
    NotAllowed,
    NotFound,
    RuleBroken,
    StaleVersion,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"
NON_FIELD = "non_field_errors"

TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Refused by a business rule",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Idempotency key reused with another request",
    429: "Too many requests",
}


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was used with another request; use a new key."
    default_code = "idempotency_key_reused"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


def problem_type(code: str) -> str:
    return f"urn:bpo-transition:problem:{code.replace('_', '-')}"


def problem(
    *,
    status_code: int,
    detail: str,
    code: str,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": problem_type(code),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": printable(detail),
        "errors": {
            printable(name): [printable(message) for message in messages]
            for name, messages in (errors or {}).items()
        },
        **extra,
    }


def printable(text: Any) -> str:
    """Text that UTF-8 can carry: a lone surrogate that a request sent (``"\\ud800"``) and a
    message echoes is written as its escape, so rendering the problem cannot fail."""
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def flatten_errors(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field": [...], "rows[3].value": [...]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):
                child = f"{path}[{key}]"
            elif key == NON_FIELD and path:
                child = path
            else:
                child = f"{path}.{key}" if path else str(key)
            for name, messages in flatten_errors(value, child).items():
                flat.setdefault(name, []).extend(messages)
        return flat
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return {path or NON_FIELD: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            for name, messages in flatten_errors(item, f"{path}[{index}]").items():
                flat.setdefault(name, []).extend(messages)
        return flat
    return {path or NON_FIELD: [str(detail)]}


def _summary(errors: dict[str, list[str]]) -> str:
    if len(errors) == 1:
        ((field, messages),) = errors.items()
        return messages[0] if field == NON_FIELD else f"{field}: {messages[0]}"
    return f"Invalid fields: {', '.join(errors)}."


def _domain_problem(error: DomainError) -> dict[str, Any]:
    if isinstance(error, NotFound):
        return problem(status_code=404, detail=error.message, code="not_found")
    if isinstance(error, NotAllowed):
        return problem(status_code=403, detail=error.message, code="not_allowed")
    if isinstance(error, StaleVersion):
        return problem(status_code=412, detail=error.message, code="stale_version")
    if isinstance(error, InvalidInput):
        errors = error.errors or {error.field or NON_FIELD: [error.message]}
        return problem(status_code=400, detail=error.message, code="invalid", errors=errors)
    if isinstance(error, ItemsOpen):
        return problem(
            status_code=409, detail=error.message, code="items_open", items=list(error.items)
        )
    if isinstance(error, RuleBroken):
        return problem(status_code=409, detail=error.message, code="rule_broken")
    return problem(status_code=400, detail=error.message, code="invalid")


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request is malformed.")
    return None


def problem_for(exc: Exception) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The problem body and headers for an exception, or None for a bug."""
    if isinstance(exc, DomainError):
        return _domain_problem(exc), {}
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if isinstance(api_exc, exceptions.Throttled):
        headers["Retry-After"] = str(max(1, math.ceil(api_exc.wait or 1)))
    code = api_exc.default_code
    if isinstance(api_exc, exceptions.ValidationError):
        errors = flatten_errors(api_exc.detail)
        return problem(
            status_code=400, detail=_summary(errors), code="invalid", errors=errors
        ), headers
    detail = api_exc.detail
    if isinstance(detail, list | dict):
        errors = flatten_errors(detail)
        text = _summary(errors)
    else:
        errors, text = {}, str(detail)
    status_code = api_exc.status_code
    return problem(status_code=status_code, detail=text, code=code, errors=errors), headers


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_details(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: a problem response, with the transaction rolled back."""
    found = problem_for(exc)
    if found is None:
        return None
    body, headers = found
    set_rollback()
    return problem_response(body, headers)


@csrf_exempt  # it changes nothing, and must not answer a cookie-less POST with an HTML 403
def no_such_endpoint(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names no endpoint: the same problem as a missing object."""
    body = problem(
        status_code=status.HTTP_404_NOT_FOUND, detail="No such endpoint.", code="not_found"
    )
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
