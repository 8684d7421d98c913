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


def status_of(error: DomainError) -> int:
    """The HTTP status of a page that shows a refusal: 400 for bad input, 409 for a rule."""
    return INVALID_STATUS if isinstance(error, InvalidInput) else REFUSED_STATUS


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
        return render(
            request,
            "refused.html",
            {"message": exception.message, "items": getattr(exception, "items", [])},
            status=status_of(exception),
        )


def add_domain_error(form, error: DomainError) -> None:
    """Show a refused service call on the form that asked for it, keeping what was typed.

    Each field of the form that ``InvalidInput.errors`` names gets its messages beside it.
    What the form cannot show beside a field (a refusal naming no field, or one naming a field
    this form lacks, such as the evidence a status change needs) is the error's own message,
    once, at the top; the open items a rule listed are in that message.
    """
    errors = getattr(error, "errors", None) or {}
    beside = {field: messages for field, messages in errors.items() if field in form.fields}
    for field, messages in beside.items():
        for message in messages:
            form.add_error(field, message)
    if len(beside) < len(errors) or not errors:
        form.add_error(None, error.message)
