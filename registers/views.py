"""Pages of an engagement's registers: the RAID register with its heat map and exception log,
the escalation path and the decision rights."""

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
from engagements.permissions import (
    can_edit_decision_rights,
    can_edit_escalation_path,
    can_edit_raid,
    require,
)
from engagements.selectors import get_engagement
from kernel.errors import InvalidInput, RuleBroken, StaleVersion
from kernel.web import add_domain_error, status_of
from registers import selectors, services
from registers.filters import RaidItemFilter
from registers.forms import (
    DecisionRightForm,
    EscalationLevelForm,
    InlineEditForm,
    RaidItemForm,
)
from registers.models import DecisionRight, RaidItem

LIST_TEMPLATE = "registers/raid_list.html"
# Refusals shown beside the form that asked (NotFound and NotAllowed answer 404 and 403).
FORM_REFUSALS = (InvalidInput, RuleBroken, StaleVersion)


def _engagement(request: HttpRequest, engagement_id: uuid.UUID) -> Engagement:
    return get_engagement(actor=request.user, public_id=engagement_id)


def _crumbs(engagement: Engagement, *trail: tuple[str, str | None]) -> list:
    return [
        ("Portfolio", reverse("home")),
        (engagement.name, reverse("engagements:detail", args=[engagement.public_id])),
        *trail,
    ]


def _raid_url(engagement: Engagement) -> str:
    return reverse("registers:list", args=[engagement.public_id])


def _escalation_url(engagement: Engagement) -> str:
    return reverse("registers:escalation", args=[engagement.public_id])


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
    engagement = _engagement(request, engagement_id)
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
        "breadcrumbs": _crumbs(engagement, ("RAID register", None)),
    }
    template = f"{LIST_TEMPLATE}#raid-table" if request.htmx else LIST_TEMPLATE
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _item_form(request, *, engagement, kind, item=None) -> RaidItemForm:
    initial = None
    if item is not None:
        initial = {
            field: getattr(item, field)
            for field in (
                "title",
                "description",
                "owner",
                "due_date",
                "status",
                "probability",
                "impact",
                "response",
                "handling",
                "decision_rule",
                "version",
            )
        }
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
    engagement = _engagement(request, engagement_id)
    _require_raid_editor(request, engagement)
    kind = request.GET.get("kind") or request.POST.get("kind") or RaidItem.Kind.RISK
    if kind not in RaidItem.Kind.values:
        kind = RaidItem.Kind.RISK
    form = _item_form(request, engagement=engagement, kind=kind)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_raid_item(
                actor=request.user,
                engagement=engagement,
                kind=kind,
                agreed_by=form.cleaned_data.get("agreed_by", ()),
                milestones=form.cleaned_data.get("milestones", ()),
                **form.changes(),
            )
        except FORM_REFUSALS as refused:
            add_domain_error(form, refused)
            status = status_of(refused)
        else:
            messages.success(request, f"{item.get_kind_display()} “{item.title}” added.")
            return redirect(_raid_url(engagement))
    elif request.method == "POST":
        status = 400
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
            "breadcrumbs": _crumbs(
                engagement, ("RAID register", _raid_url(engagement)), (f"New {label.lower()}", None)
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def raid_item(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """One item: its details and history; its form for those who may change it."""
    engagement = _engagement(request, engagement_id)
    item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
    may_edit = can_edit_raid(user=request.user, engagement=engagement)
    if request.method == "POST":
        _require_raid_editor(request, engagement)
    form = _item_form(request, engagement=engagement, kind=item.kind, item=item)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            item = services.update_raid_item(
                actor=request.user,
                item=item,
                expected_version=form.cleaned_data.get("version"),
                agreed_by=form.cleaned_data.get("agreed_by"),
                milestones=form.cleaned_data.get("milestones"),
                **form.changes(),
            )
        except FORM_REFUSALS as refused:
            add_domain_error(form, refused)
            status = status_of(refused)
        else:
            messages.success(request, f"“{item.title}” saved.")
            return redirect(_raid_url(engagement))
    elif request.method == "POST":
        status = 400
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
            "breadcrumbs": _crumbs(
                engagement, ("RAID register", _raid_url(engagement)), (item.title, None)
            ),
        },
        status=status,
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
    engagement = _engagement(request, engagement_id)
    item = selectors.get_raid_item(engagement=engagement, public_id=item_id)
    return render(request, f"{LIST_TEMPLATE}#raid-row", _row_context(request, engagement, item))


@login_required
@require_http_methods(["GET", "POST"])
def raid_inline(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """The row's quick edit (status, owner, due date): the form, and saving it."""
    engagement = _engagement(request, engagement_id)
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
    status = 400
    if form.is_valid():
        try:
            item = services.update_raid_item(
                actor=request.user,
                item=item,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                owner=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
            )
        except FORM_REFUSALS as refused:
            add_domain_error(form, refused)
            status = status_of(refused)
        else:
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
        status=status,
    )


@login_required
@require_POST
def raid_close(request: HttpRequest, engagement_id: uuid.UUID, item_id: uuid.UUID) -> HttpResponse:
    """Close an item (agree a decision). A refusal says why on the item's own page."""
    engagement = _engagement(request, engagement_id)
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


# --- Escalation path and decision rights -------------------------------------------------------


@login_required
@require_GET
def escalation(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    return render(
        request,
        "registers/escalation.html",
        {
            "engagement": engagement,
            "levels": list(selectors.escalation_levels(engagement=engagement)),
            "rights": list(selectors.decision_rights(engagement=engagement)),
            "go_live_criteria": selectors.automatic_criteria(
                engagement=engagement, phase_kind="controlled_go_live"
            ),
            "may_edit_path": can_edit_escalation_path(user=request.user, engagement=engagement),
            "may_edit_rights": can_edit_decision_rights(user=request.user, engagement=engagement),
            "nav_section": "portfolio",
            "breadcrumbs": _crumbs(engagement, ("Escalation and decision rights", None)),
        },
    )


def _form_page(request, *, engagement, form, title, template, status=200, **extra):
    return render(
        request,
        template,
        {
            "engagement": engagement,
            "form": form,
            "title": title,
            "nav_section": "portfolio",
            "breadcrumbs": _crumbs(
                engagement,
                ("Escalation and decision rights", _escalation_url(engagement)),
                (title, None),
            ),
            **extra,
        },
        status=status,
    )


def _save_or_show(request, *, engagement, form, save, title, template, done, **extra):
    """Validate, call the service, and either go back to the escalation page with ``done``
    or show the form again with what refused it (typed values kept)."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form)
            except FORM_REFUSALS as refused:
                add_domain_error(form, refused)
                status = status_of(refused)
            else:
                messages.success(request, done)
                return redirect(_escalation_url(engagement))
    return _form_page(
        request,
        engagement=engagement,
        form=form,
        title=title,
        template=template,
        status=status,
        **extra,
    )


def _require_path_editor(request, engagement) -> None:
    require(
        can_edit_escalation_path(user=request.user, engagement=engagement),
        "Only PMO and the leads can change the escalation path.",
    )


def _require_rights_editor(request, engagement) -> None:
    require(
        can_edit_decision_rights(user=request.user, engagement=engagement),
        "Only PMO and the leads can change the decision rights.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_create(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    _require_path_editor(request, engagement)
    form = EscalationLevelForm(
        request.POST if request.method == "POST" else None,
        seats=selectors.engagement_seats(engagement=engagement),
    )
    return _save_or_show(
        request,
        engagement=engagement,
        form=form,
        save=lambda form: services.add_escalation_level(
            actor=request.user, engagement=engagement, **form.changes()
        ),
        title="New escalation level",
        template="registers/level_form.html",
        done="Escalation level added.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_edit(request: HttpRequest, engagement_id: uuid.UUID, level_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    level = selectors.get_escalation_level(engagement=engagement, public_id=level_id)
    _require_path_editor(request, engagement)
    form = EscalationLevelForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": level.name,
            "client_contact": level.client_contact,
            "provider_contact": level.provider_contact,
            "response_hours": level.response_hours,
            "trigger": level.trigger,
            "version": level.version,
        },
        seats=selectors.engagement_seats(engagement=engagement),
    )
    return _save_or_show(
        request,
        engagement=engagement,
        form=form,
        save=lambda form: services.update_escalation_level(
            actor=request.user,
            level=level,
            expected_version=form.cleaned_data.get("version"),
            **form.changes(),
        ),
        title=f"Level {level.level}: {level.name}",
        template="registers/level_form.html",
        done=f"Level {level.level} saved.",
        level=level,
    )


@login_required
@require_POST
def level_remove(
    request: HttpRequest, engagement_id: uuid.UUID, level_id: uuid.UUID
) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    level = selectors.get_escalation_level(engagement=engagement, public_id=level_id)
    services.remove_escalation_level(actor=request.user, level=level)
    messages.success(request, f"Level {level.level} ({level.name}) removed.")
    return redirect(_escalation_url(engagement))


def _right_initial(right: DecisionRight) -> dict:
    return {
        "area": right.area,
        "approver_side": right.approver_side,
        "approver_role": right.approver_role,
        "approver": right.approver,
        "consulted": right.consulted,
        "informed": right.informed,
        "notes": right.notes,
        "version": right.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def right_create(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    _require_rights_editor(request, engagement)
    form = DecisionRightForm(
        request.POST if request.method == "POST" else None,
        initial={"area": request.GET.get("area", "")},
        seats=selectors.engagement_seats(engagement=engagement),
    )
    return _save_or_show(
        request,
        engagement=engagement,
        form=form,
        save=lambda form: services.create_decision_right(
            actor=request.user, engagement=engagement, **form.changes()
        ),
        title="New decision right",
        template="registers/right_form.html",
        done="Decision right added.",
        suggested_areas=DecisionRight.SUGGESTED_AREAS,
    )


@login_required
@require_http_methods(["GET", "POST"])
def right_edit(request: HttpRequest, engagement_id: uuid.UUID, right_id: uuid.UUID) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    right = selectors.get_decision_right(engagement=engagement, public_id=right_id)
    _require_rights_editor(request, engagement)
    form = DecisionRightForm(
        request.POST if request.method == "POST" else None,
        initial=_right_initial(right),
        seats=selectors.engagement_seats(engagement=engagement),
    )
    return _save_or_show(
        request,
        engagement=engagement,
        form=form,
        save=lambda form: services.update_decision_right(
            actor=request.user,
            right=right,
            expected_version=form.cleaned_data.get("version"),
            **form.changes(),
        ),
        title=f"Decision right: {right.area}",
        template="registers/right_form.html",
        done=f"“{right.area}” saved.",
        suggested_areas=DecisionRight.SUGGESTED_AREAS,
        right=right,
    )


@login_required
@require_POST
def right_remove(
    request: HttpRequest, engagement_id: uuid.UUID, right_id: uuid.UUID
) -> HttpResponse:
    engagement = _engagement(request, engagement_id)
    right = selectors.get_decision_right(engagement=engagement, public_id=right_id)
    services.remove_decision_right(actor=request.user, right=right)
    messages.success(request, f"“{right.area}” removed from the decision rights.")
    return redirect(_escalation_url(engagement))
