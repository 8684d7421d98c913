"""The actions of an engagement's administration page that span apps: a person leaves (unless
they still own open milestones or RAID items), and a phase's end moves with a reason, after
seeing everything that moves with it. The page itself is ``engagements.views``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from engagements import selectors as engagement_selectors
from engagements.forms import RescheduleForm
from engagements.views import (
    admin_trail,
    back_to_admin,
    managed_engagement,
    open_phases,
    refused_page,
)
from kernel.errors import InvalidInput, RuleBroken
from kernel.web import INVALID_STATUS, submit
from transition import selectors, services


@login_required
@require_POST
def remove_member(request: HttpRequest, public_id, member_id) -> HttpResponse:
    engagement = managed_engagement(request, public_id)
    member = engagement_selectors.get_member(engagement=engagement, public_id=member_id)
    try:
        services.remove_member(actor=request.user, member=member)
    except (InvalidInput, RuleBroken) as refused:
        return refused_page(request, engagement, refused)
    messages.success(request, f"{member.user} left {engagement.name}.")
    return back_to_admin(engagement)


@login_required
def reschedule(request: HttpRequest, public_id) -> HttpResponse:
    """GET or POST ``action=preview``: the form and what would move. POST ``action=confirm``:
    move it, with the reason in the audit trail of every moved row."""
    engagement = managed_engagement(request, public_id)
    form = RescheduleForm(
        request.POST if request.method == "POST" else None, phases=open_phases(engagement)
    )
    context = {
        "nav_section": "portfolio",
        "breadcrumbs": admin_trail(engagement, ("Reschedule a phase", None)),
        "engagement": engagement,
        "form": form,
    }
    if request.method != "POST":
        return render(request, "transition/reschedule.html", context)
    if not form.is_valid():
        return render(request, "transition/reschedule.html", context, status=INVALID_STATUS)
    phase = form.chosen_phase()
    phase.engagement = engagement
    planned_end, reason = form.cleaned_data["planned_end"], form.cleaned_data["reason"]
    if request.POST.get("action") != "confirm":
        preview = selectors.reschedule_preview(phase=phase, planned_end=planned_end)
        return render(request, "transition/reschedule.html", {**context, "preview": preview})
    outcome = submit(
        request,
        form,
        lambda data: services.reschedule_phase(
            actor=request.user, phase=phase, planned_end=planned_end, reason=reason
        ),
        refusals=(InvalidInput, RuleBroken),
    )
    if not outcome.done:
        return render(request, "transition/reschedule.html", context, status=outcome.status)
    if outcome.value:
        moved = outcome.value
        messages.success(
            request,
            f"{phase.get_kind_display()} now ends on {planned_end:%d %b %Y}; "
            f"{len(moved)} phase{'s' if len(moved) != 1 else ''} moved. Reason: {reason}",
        )
    else:
        messages.info(request, "That is already the planned end: nothing moved.")
    return back_to_admin(engagement)
