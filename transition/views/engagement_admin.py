"""Engagement administration for PMO: the team and its seats, hold/resume/close, and moving a
phase's end with a reason after seeing everything that moves with it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engagements import services as engagement_services
from engagements.models import Engagement, EngagementMember, Phase
from engagements.permissions import can_manage_engagement
from kernel.errors import DomainError, InvalidInput, NotAllowed, RuleBroken
from kernel.web import INVALID_STATUS, add_domain_error, status_of
from transition import selectors, services
from transition.forms import AddMemberForm, ChangeMemberForm, RescheduleForm

STATUS_ACTIONS = {
    "start": (
        engagement_services.start_transition,
        "{name} is in transition: its first phase is active and work can begin.",
    ),
    "hold": (
        engagement_services.put_on_hold,
        "{name} is on hold: no gate is decided until it resumes.",
    ),
    "resume": (engagement_services.resume, "{name} has resumed; it is {status}."),
    "close": (engagement_services.close_engagement, "{name} is closed."),
}


def _managed_engagement(request: HttpRequest, public_id) -> Engagement:
    """The engagement, if the actor may see it (else 404) and manage it (else 403)."""
    engagement = selectors.engagement_for_admin(actor=request.user, public_id=public_id)
    if not can_manage_engagement(user=request.user, engagement=engagement):
        raise NotAllowed("Only PMO can administer an engagement.")
    return engagement


def _open_phases(engagement: Engagement) -> list[Phase]:
    return [phase for phase in engagement.phases.all() if phase.status != Phase.Status.COMPLETE]


def _people_to_add(request: HttpRequest, engagement: Engagement):
    seated = {member.user_id for member in engagement.members.all()}
    return [
        membership.user
        for membership in selectors.tenant_people(tenant=request.tenant)
        if membership.user_id not in seated
    ]


def _status_actions(engagement: Engagement) -> list[tuple[str, str, str]]:
    """(action, button label, what it does) for the status changes open from here."""
    actions = []
    if engagement.status == Engagement.Status.PLANNING:
        actions.append(
            ("start", "Start the transition", "The first phase becomes active; work begins.")
        )
    if engagement.status in engagement_services.HOLDABLE:
        actions.append(("hold", "Put on hold", "Pauses gate decisions until it resumes."))
    if engagement.status == Engagement.Status.ON_HOLD:
        actions.append(("resume", "Resume", "Back to where its phases say it is."))
    if engagement.status in {Engagement.Status.STABILISED, Engagement.Status.ON_HOLD}:
        actions.append(("close", "Close", "Nothing changes after closing."))
    return actions


def _breadcrumbs(engagement: Engagement, *current: tuple[str, str | None]):
    return [
        ("Portfolio", reverse("home")),
        (engagement.name, reverse("engagements:detail", args=[engagement.public_id])),
        *current,
    ]


def _admin_page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    add_form: AddMemberForm | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HttpResponse:
    admin_url = reverse("manage:engagement-admin", args=[engagement.public_id])
    return render(
        request,
        "transition/engagement_admin.html",
        {
            "nav_section": "portfolio",
            "breadcrumbs": _breadcrumbs(engagement, ("Administration", None)),
            "engagement": engagement,
            "admin_url": admin_url,
            "add_form": add_form or AddMemberForm(people=_people_to_add(request, engagement)),
            "reschedule_form": RescheduleForm(phases=_open_phases(engagement)),
            "status_actions": _status_actions(engagement),
            "side_choices": EngagementMember.Side.choices,
            "role_choices": EngagementMember.Role.choices,
            "refusal": refusal,
        },
        status=status,
    )


def _refused(request: HttpRequest, engagement: Engagement, refused: DomainError) -> HttpResponse:
    """A refused action shows the page again, saying why, and changes nothing."""
    status = status_of(refused)
    engagement = selectors.engagement_for_admin(actor=request.user, public_id=engagement.public_id)
    return _admin_page(request, engagement, refusal=refused.message, status=status)


def _back(engagement: Engagement) -> HttpResponse:
    return redirect("manage:engagement-admin", public_id=engagement.public_id)


@login_required
def engagement_admin(request: HttpRequest, public_id) -> HttpResponse:
    return _admin_page(request, _managed_engagement(request, public_id))


@login_required
@require_POST
def add_member(request: HttpRequest, public_id) -> HttpResponse:
    engagement = _managed_engagement(request, public_id)
    form = AddMemberForm(request.POST, people=_people_to_add(request, engagement))
    if not form.is_valid():
        return _admin_page(request, engagement, add_form=form, status=INVALID_STATUS)
    try:
        member = engagement_services.add_member(
            actor=request.user,
            engagement=engagement,
            user=form.person(),
            side=form.cleaned_data["side"],
            role=form.cleaned_data["role"],
        )
    except (InvalidInput, RuleBroken) as refused:
        add_domain_error(form, refused)
        status = status_of(refused)
        return _admin_page(request, engagement, add_form=form, status=status)
    messages.success(request, f"{member.user} joined {engagement.name} as {member}.")
    return _back(engagement)


@login_required
@require_POST
def change_member(request: HttpRequest, public_id, member_id) -> HttpResponse:
    engagement = _managed_engagement(request, public_id)
    member = selectors.get_member(engagement=engagement, public_id=member_id)
    form = ChangeMemberForm(request.POST)
    if not form.is_valid():
        return _admin_page(
            request,
            engagement,
            refusal=f"Choose a side and a role for {member.user}.",
            status=INVALID_STATUS,
        )
    try:
        member = engagement_services.change_member(
            actor=request.user,
            member=member,
            side=form.cleaned_data["side"],
            role=form.cleaned_data["role"],
        )
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, engagement, refused)
    messages.success(request, f"{member.user} is now {member}.")
    return _back(engagement)


@login_required
@require_POST
def remove_member(request: HttpRequest, public_id, member_id) -> HttpResponse:
    engagement = _managed_engagement(request, public_id)
    member = selectors.get_member(engagement=engagement, public_id=member_id)
    try:
        services.remove_member(actor=request.user, member=member)
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, engagement, refused)
    messages.success(request, f"{member.user} left {engagement.name}.")
    return _back(engagement)


@login_required
@require_POST
def change_status(request: HttpRequest, public_id) -> HttpResponse:
    engagement = _managed_engagement(request, public_id)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        refusal = "Choose start, hold, resume or close."
        return _admin_page(request, engagement, refusal=refusal, status=INVALID_STATUS)
    service, done = action
    try:
        engagement = service(actor=request.user, engagement=engagement)
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, engagement, refused)
    messages.success(
        request,
        done.format(name=engagement.name, status=engagement.get_status_display().lower()),
    )
    return _back(engagement)


@login_required
def reschedule(request: HttpRequest, public_id) -> HttpResponse:
    """GET or POST ``action=preview``: the form and what would move. POST ``action=confirm``:
    move it, with the reason in the audit trail of every moved row."""
    engagement = _managed_engagement(request, public_id)
    form = RescheduleForm(
        request.POST if request.method == "POST" else None, phases=_open_phases(engagement)
    )
    context = {
        "nav_section": "portfolio",
        "breadcrumbs": _breadcrumbs(
            engagement,
            ("Administration", reverse("manage:engagement-admin", args=[engagement.public_id])),
            ("Reschedule a phase", None),
        ),
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
    if request.POST.get("action") == "confirm":
        try:
            moved = services.reschedule_phase(
                actor=request.user, phase=phase, planned_end=planned_end, reason=reason
            )
        except (InvalidInput, RuleBroken) as refused:
            add_domain_error(form, refused)
            status = status_of(refused)
            return render(request, "transition/reschedule.html", context, status=status)
        if moved:
            messages.success(
                request,
                f"{phase.get_kind_display()} now ends on {planned_end:%d %b %Y}; "
                f"{len(moved)} phase{'s' if len(moved) != 1 else ''} moved. Reason: {reason}",
            )
        else:
            messages.info(request, "That is already the planned end: nothing moved.")
        return _back(engagement)
    preview = selectors.reschedule_preview(phase=phase, planned_end=planned_end)
    return render(request, "transition/reschedule.html", {**context, "preview": preview})
