"""Bulk changes in the browser: the bar on the engagement page and in My work posts the
selection here; a preview page says per milestone what changes and what is refused and why;
applying it leads to a page that offers its undo for ``bulk.UNDO_WINDOW``."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kernel.errors import DomainError, InvalidInput, NotAllowed, NotFound, RuleBroken
from kernel.web import submit
from milestones import bulk
from milestones.forms_bulk import BulkChangeForm
from milestones.models import Milestone

FORBIDDEN = 403


def _back(request: HttpRequest, value: str | None) -> str:
    """Where "back" goes: the page the selection came from (this site only), else My work."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("work:mine")


def _change(request: HttpRequest, data: dict[str, Any]) -> bulk.BulkChange:
    owner = None
    if data.get("owner"):
        owner = bulk.person_in_tenant(tenant_id=request.tenant.pk, public_id=data["owner"])
    return bulk.BulkChange(
        status=data.get("status") or None, owner=owner, due_date=data.get("due_date")
    )


def _tenant_required(request: HttpRequest) -> None:
    if request.tenant is None:
        raise NotFound("No active tenant.")


def _page(
    request: HttpRequest,
    form: BulkChangeForm,
    *,
    status: int,
    result: bulk.BulkResult | None,
    refused: DomainError | None = None,
) -> HttpResponse:
    items = result.items if result is not None else []
    engagement_ids = {item.milestone.engagement_id for item in items}
    owners = bulk.owner_choices(engagement_ids=engagement_ids) if engagement_ids else []
    if not owners and form.data.get("owner"):
        # Refused before the milestones were read: still show the person that was chosen.
        owners = bulk.chosen_person(tenant_id=request.tenant.pk, public_id=form.data["owner"])
    return render(
        request,
        "milestones/bulk_preview.html",
        {
            "nav_section": "my-work",
            "form": form,
            "result": result,
            "refused": refused,
            "selected": form.selected_ids(),
            "owners": bulk.owner_choices(engagement_ids=engagement_ids) if engagement_ids else [],
            "statuses": Milestone.Status.choices,
            "chosen": {name: form.data.get(name, "") for name in ("status", "owner", "due_date")},
            "back": _back(request, form.data.get("next")),
            "max_items": bulk.MAX_ITEMS,
        },
        status=status,
    )


REFUSALS = (InvalidInput, RuleBroken, NotAllowed)


def _status(outcome) -> int:
    if isinstance(outcome.refused, NotAllowed):
        return FORBIDDEN
    return outcome.status


@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """What the change would do to each selected milestone; writes nothing."""
    _tenant_required(request)
    form = BulkChangeForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: bulk.preview_bulk_change(
            actor=request.user,
            ids=data["ids"],
            change=_change(request, data),
            mode=data.get("mode") or bulk.ALL_OR_NOTHING,
        ),
        refusals=REFUSALS,
    )
    return _page(request, form, status=_status(outcome), result=outcome.value)


@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    """The change itself: all or nothing unless the allowed ones were chosen."""
    _tenant_required(request)
    form = BulkChangeForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: bulk.apply_bulk_change(
            actor=request.user,
            tenant=request.tenant,
            ids=data["ids"],
            change=_change(request, data),
            mode=data.get("mode") or bulk.ALL_OR_NOTHING,
        ),
        refusals=REFUSALS,
    )
    if not outcome.done:
        result = getattr(outcome.refused, "result", None)
        return _page(request, form, status=_status(outcome), result=result)
    result = outcome.value
    back = _back(request, form.cleaned_data.get("next"))
    if result.operation is None:
        return redirect(back)
    url = reverse("milestone_bulk:done", args=[result.operation])
    return redirect(f"{url}?{urlencode({'next': back})}")


def _done_page(
    request: HttpRequest,
    operation: uuid.UUID,
    *,
    refused: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    record = bulk.bulk_change_of(actor=request.user, operation_id=operation)
    return render(
        request,
        "milestones/bulk_done.html",
        {
            "nav_section": "my-work",
            "record": record,
            "items": bulk.describe_events(record.events),
            "refused": refused,
            "back": _back(request, request.GET.get("next") or request.POST.get("next")),
        },
        status=status,
    )


@require_GET
def done(request: HttpRequest, operation: uuid.UUID) -> HttpResponse:
    _tenant_required(request)
    return _done_page(request, operation)


@require_POST
def undo(request: HttpRequest, operation: uuid.UUID) -> HttpResponse:
    _tenant_required(request)
    bulk.bulk_change_of(actor=request.user, operation_id=operation)  # another's: 404
    try:
        bulk.undo_bulk_change(actor=request.user, tenant=request.tenant, operation_id=operation)
    except RuleBroken as refused:
        return _done_page(request, operation, refused=refused, status=409)
    url = reverse("milestone_bulk:done", args=[operation])
    return redirect(f"{url}?{urlencode({'next': _back(request, request.POST.get('next'))})}")
