"""Domain errors, mapped once for the browser: a view that lets one escape gets the page that
says what it means, never a 500.

A page that runs a service from a form does it through ``submit``: the form is checked, the
service called, and a refusal lands on the form beside the field it names, keeping what was
typed, with the status that says why (400 bad input, 409 a rule). Whatever a view leaves
uncaught is answered by ``DomainErrorMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

from kernel.errors import DomainError, InvalidInput, NotAllowed, NotFound, RuleBroken, StaleVersion

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


# What a form's page shows in place: bad input, a broken rule, an edit of an older version.
FORM_REFUSALS = (InvalidInput, RuleBroken, StaleVersion)


@dataclass
class Submitted:
    """What became of a form: ``done`` when the service ran (its return value in ``value``);
    otherwise ``status`` is the page's (200 for a form not yet sent, 400 or 409 refused), and
    ``refused`` the service's refusal when there was one (a page may say it elsewhere too)."""

    done: bool
    status: int
    value: Any = None
    refused: DomainError | None = None


def submit(
    request: HttpRequest,
    form,
    call: Callable[[dict[str, Any]], Any],
    *,
    refusals: tuple[type[DomainError], ...] = FORM_REFUSALS,
) -> Submitted:
    """Run ``call(form.cleaned_data)`` when ``request`` posted ``form`` and it is valid.

    A refusal in ``refusals`` is put on the form (``add_domain_error``), so the page shows it in
    place with everything that was typed; anything else propagates. A form that is not valid
    answers 400 without calling the service.
    """
    if request.method != "POST":
        return Submitted(done=False, status=200)
    if not form.is_valid():
        return Submitted(done=False, status=INVALID_STATUS)
    try:
        value = call(form.cleaned_data)
    except refusals as refused:
        add_domain_error(form, refused)
        return Submitted(done=False, status=status_of(refused), refused=refused)
    return Submitted(done=True, status=200, value=value)
