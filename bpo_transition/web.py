"""Domain errors, mapped once for the browser: a view that lets one escape gets the page that
says what it means, never a 500.

Views that show forms catch ``InvalidInput`` and ``RuleBroken`` themselves to put the message
beside the field; whatever they leave is answered here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from bpo_transition.errors import DomainError, InvalidInput, NotAllowed, NotFound

REFUSED_STATUS = 409
INVALID_STATUS = 400


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404(exception.message))
        if isinstance(exception, NotAllowed):
            return defaults.permission_denied(request, PermissionDenied(exception.message))
        status = INVALID_STATUS if isinstance(exception, InvalidInput) else REFUSED_STATUS
        return render(
            request,
            "refused.html",
            {"message": exception.message, "items": getattr(exception, "items", [])},
            status=status,
        )


def add_domain_error(form, error: DomainError) -> None:
    """Show a refused service call on the form that asked for it, keeping what was typed.

    Each field named by ``InvalidInput.errors`` gets its messages beside it (a field the form
    does not have goes to the top); any other refusal is one message at the top, with the
    open items a rule listed.
    """
    errors = getattr(error, "errors", None) or {}
    if not errors:
        form.add_error(None, error.message)
        return
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{field}: {message}")
