"""Pages of an engagement's RAID register: the list with its heat map and exception log, an
item's page and form, and a row's quick edit. The escalation path and the decision rights have
their pages in ``registers.views_escalation``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.selectors import history_of
from engagements.models import Engagement
from engagements.navigation import engagement_trail
from engagements.permissions import can_edit_raid, require
from engagements.selectors import get_engagement
from kernel.web import FORM_REFUSALS, submit
from registers import selectors, services
from registers.filters import RaidItemFilter
from registers.forms import InlineEditForm, RaidItemForm
from registers.models import RaidItem

LIST_TEMPLATE = "registers/raid_list.html"


def engagement_of(request: HttpRequest, engagement_id: uuid.UUID) -> Engagement:
    return get_engagement(actor=request.user, public_id=engagement_id)


def _raid_url(engagement: Engagement) -> str:
    return reverse("registers:list", args=[engagement.public_id])


def _require_raid_editor(request: HttpRequest, engagement: Engagement) -> None:
    require(
        can_edit_raid(user=request.user, engagement=engagement),
        "Only members of this engagement who are not viewers can change its RAID register.",
    )


# --- RAID register -----------------------------------------------------------------------------


@login_required
@require_GET
def raid_list(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Every item of the register, filtered, with the heat map of open risks."""
    engagement = engagement_of(request, engagement_id)
    seats = selectors.engagement_seats(engagement=engagement)
    filters = RaidItemFilter(
        request.GET or None,
        queryset=selectors.raid_items(engagement=engagement),
        seats=seats,
        today=engagement.today(),
    )
    items = list(filters.qs)
    context = {
        "engagement": engagement,
        "filters": filters,
        "items": items,
        "filtered": filters.is_bound and any(filters.form.cleaned_data.values()),
        "heat_map": selectors.risk_heat_map(engagement=engagement),
        "today": engagement.today(),
        "may_edit": can_edit_raid(user=request.user, engagement=engagement),
        "kinds": RaidItem.Kind.choices,
        "nav_section": "portfolio",
        "breadcrumbs": engagement_trail(engagement, ("RAID register", None)),
    }
    template = f"{LIST_TEMPLATE}#raid-table" if request.htmx else LIST_TEMPLATE
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _item_form(request, *, engagement, kind, item=None) -> RaidItemForm:
    initial = None
    if item is not None:
        initial = {field: getattr(item, field) for field in (*RaidItem.EDITABLE_FIELDS, "version")}
        initial["agreed_by"] = list(item.agreed_by.all())
        initial["milestones"] = list(item.milestones.all())
    return RaidItemForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        kind=kind,
        seats=selectors.engagement_seats(engagement=engagement),
        milestones=list(selectors.engagement_milestones(engagement=engagement)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def raid_create(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = engagement_of(request, engagement_id)
    _require_raid_editor(request, engagement)
    kind = request.GET.get("kind") or request.POST.get("kind") or RaidItem.Kind.RISK
    if kind not in RaidItem.Kind.values:
        kind = RaidItem.Kind.RISK
    form = _item_form(request, engagement=engagement, kind=kind)
    outcome = submit(
        request,
        form,
        lambda data: services.create_raid_item(
            actor=request.user,
            engagement=engagement,
            kind=kind,
            **form.links(missing=()),
            **form.changes(),
        ),
    )
    if outcome.done:
        item = outcome.value
        messages.success(request, f"{item.get_kind_display()} “{item.title}” added.")
        return redirect(_raid_url(engagement))
    label = RaidItem.Kind(kind).label
    return render(
        request,
        "registers/raid_item.html",
        {
            "engagement": engagement,
            "form": form,
            "kind": kind,
            "kind_label": label,
            "item": None,
            "may_edit": True,
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(
                engagement, ("RAID register", _raid_url(engagement)), (f"New {label.lower()}", None)
            ),
        },
        status=outcome.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def raid_item(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """One item: its details and history; its form for those who may change it."""
    engagement = engagement_of(request, engagement_id)
    item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
    may_edit = can_edit_raid(user=request.user, engagement=engagement)
    if request.method == "POST":
        _require_raid_editor(request, engagement)
    form = _item_form(request, engagement=engagement, kind=item.kind, item=item)
    outcome = submit(
        request,
        form,
        lambda data: services.update_raid_item(
            actor=request.user,
            item=item,
            expected_version=data.get("version"),
            **form.links(missing=None),
            **form.changes(),
        ),
    )
    if outcome.done:
        messages.success(request, f"“{outcome.value.title}” saved.")
        return redirect(_raid_url(engagement))
    return render(
        request,
        "registers/raid_item.html",
        {
            "engagement": engagement,
            "form": form,
            "kind": item.kind,
            "kind_label": item.get_kind_display(),
            "item": item,
            "today": engagement.today(),
            "history": _history(item),
            "may_edit": may_edit,
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(
                engagement, ("RAID register", _raid_url(engagement)), (item.title, None)
            ),
        },
        status=outcome.status,
    )


def _history(item: RaidItem) -> list:
    """The item's events, each with the names of the fields it changed, in words."""
    events = list(history_of(instance=item))
    for event in events:
        # In the model's order: the database may keep a JSON object's keys in its own.
        event.changed_fields = [
            field.replace("_", " ")
            for field in RaidItem.AUDIT_FIELDS
            if field in event.changes and field != "version"
        ]
    return events


def _row_context(request, engagement, item, **extra) -> dict:
    return {
        "engagement": engagement,
        "item": item,
        "today": engagement.today(),
        "may_edit": can_edit_raid(user=request.user, engagement=engagement),
        **extra,
    }


@login_required
@require_GET
def raid_row(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """One row of the list as it reads (the inline editor's Cancel)."""
    engagement = engagement_of(request, engagement_id)
    item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
    return render(request, f"{LIST_TEMPLATE}#raid-row", _row_context(request, engagement, item))


@login_required
@require_http_methods(["GET", "POST"])
def raid_inline(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """The row's quick edit (status, owner, due date): the form, and saving it."""
    engagement = engagement_of(request, engagement_id)
    item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
    _require_raid_editor(request, engagement)
    seats = selectors.engagement_seats(engagement=engagement)
    if request.method == "GET":
        form = InlineEditForm(
            initial={
                "status": item.status,
                "owner": item.owner,
                "due_date": item.due_date,
                "version": item.version,
            },
            item=item,
            seats=seats,
        )
        return render(
            request,
            f"{LIST_TEMPLATE}#raid-row-edit",
            _row_context(request, engagement, item, form=form),
        )
    form = InlineEditForm(request.POST, item=item, seats=seats)
    outcome = submit(
        request,
        form,
        lambda data: services.update_raid_item(
            actor=request.user,
            item=item,
            expected_version=data["version"],
            status=data["status"],
            owner=data["owner"],
            due_date=data["due_date"],
        ),
    )
    if outcome.done:
        item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
        return render(
            request,
            f"{LIST_TEMPLATE}#raid-row",
            _row_context(request, engagement, item, saved=True),
        )
    return render(
        request,
        f"{LIST_TEMPLATE}#raid-row-edit",
        _row_context(request, engagement, item, form=form),
        status=outcome.status,
    )


@login_required
@require_POST
def raid_close(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """Close an item (agree a decision). A refusal says why on the item's own page."""
    engagement = engagement_of(request, engagement_id)
    item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
    try:
        item = services.close_raid_item(
            actor=request.user, item=item, expected_version=request.POST.get("version") or None
        )
    except FORM_REFUSALS as refused:
        messages.error(request, refused.message)
        target = reverse("registers:item", args=[engagement.public_id, item.public_id])
    else:
        messages.success(request, f"“{item.title}” is {item.get_status_display().lower()}.")
        target = _raid_url(engagement)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)
