"""Pages of an engagement's escalation path and decision rights: the page that shows both (with
the go-live criterion the path answers), and the forms of a level and of a right."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import Engagement
from engagements.navigation import engagement_trail
from engagements.permissions import can_edit_decision_rights, can_edit_escalation_path, require
from kernel.web import submit
from registers import selectors
from registers.decision_rights import (
    create_decision_right,
    remove_decision_right,
    update_decision_right,
)
from registers.escalation import (
    add_escalation_level,
    remove_escalation_level,
    update_escalation_level,
)
from registers.forms import DecisionRightForm, EscalationLevelForm
from registers.models import DecisionRight
from registers.views import engagement_of


def _escalation_url(engagement: Engagement) -> str:
    return reverse("registers:escalation", args=[engagement.public_id])


@login_required
@require_GET
def escalation(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = engagement_of(request, engagement_id)
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
            "breadcrumbs": engagement_trail(engagement, ("Escalation and decision rights", None)),
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
            "breadcrumbs": engagement_trail(
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
    outcome = submit(request, form, lambda data: save(form))
    if outcome.done:
        messages.success(request, done)
        return redirect(_escalation_url(engagement))
    return _form_page(
        request,
        engagement=engagement,
        form=form,
        title=title,
        template=template,
        status=outcome.status,
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
    engagement = engagement_of(request, engagement_id)
    _require_path_editor(request, engagement)
    form = EscalationLevelForm(
        request.POST if request.method == "POST" else None,
        seats=selectors.engagement_seats(engagement=engagement),
    )
    return _save_or_show(
        request,
        engagement=engagement,
        form=form,
        save=lambda form: add_escalation_level(
            actor=request.user, engagement=engagement, **form.changes()
        ),
        title="New escalation level",
        template="registers/level_form.html",
        done="Escalation level added.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_edit(request: HttpRequest, engagement_id: uuid.UUID, level_id: uuid.UUID) -> HttpResponse:
    engagement = engagement_of(request, engagement_id)
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
        save=lambda form: update_escalation_level(
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
    engagement = engagement_of(request, engagement_id)
    level = selectors.get_escalation_level(engagement=engagement, public_id=level_id)
    remove_escalation_level(actor=request.user, level=level)
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
    engagement = engagement_of(request, engagement_id)
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
        save=lambda form: create_decision_right(
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
    engagement = engagement_of(request, engagement_id)
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
        save=lambda form: update_decision_right(
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
    engagement = engagement_of(request, engagement_id)
    right = selectors.get_decision_right(engagement=engagement, public_id=right_id)
    remove_decision_right(actor=request.user, right=right)
    messages.success(request, f"“{right.area}” removed from the decision rights.")
    return redirect(_escalation_url(engagement))
