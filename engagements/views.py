"""An engagement's administration page for PMO: its team and their seats, and its status
(start, hold, resume, close). The actions on it that span apps (a person who leaves while
owning work, a phase that slips) are in ``transition.views.engagement_admin``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.selectors import tenant_people
from engagements import selectors, services
from engagements.forms import AddMemberForm, ChangeMemberForm, RescheduleForm
from engagements.models import Engagement, EngagementMember, Phase
from engagements.navigation import engagement_trail
from engagements.permissions import can_manage_engagement
from kernel.errors import DomainError, InvalidInput, NotAllowed, RuleBroken
from kernel.web import INVALID_STATUS, status_of, submit

STATUS_ACTIONS = {
    "start": (
        services.start_transition,
        "{name} is in transition: its first phase is active and work can begin.",
    ),
    "hold": (
        services.put_on_hold,
        "{name} is on hold: no gate is decided until it resumes.",
    ),
    "resume": (services.resume, "{name} has resumed; it is {status}."),
    "close": (services.close_engagement, "{name} is closed."),
}


def managed_engagement(request: HttpRequest, public_id) -> Engagement:
    """The engagement, if the actor may see it (else 404) and manage it (else 403)."""
    engagement = selectors.engagement_for_admin(actor=request.user, public_id=public_id)
    if not can_manage_engagement(user=request.user, engagement=engagement):
        raise NotAllowed("Only PMO can administer an engagement.")
    return engagement


def open_phases(engagement: Engagement) -> list[Phase]:
    return [phase for phase in engagement.phases.all() if phase.status != Phase.Status.COMPLETE]


def _people_to_add(request: HttpRequest, engagement: Engagement):
    seated = {member.user_id for member in engagement.members.all()}
    return [
        membership.user
        for membership in tenant_people(tenant=request.tenant)
        if membership.user_id not in seated
    ]


def _status_actions(engagement: Engagement) -> list[tuple[str, str, str]]:
    """(action, button label, what it does) for the status changes open from here."""
    actions = []
    if engagement.status == Engagement.Status.PLANNING:
        actions.append(
            ("start", "Start the transition", "The first phase becomes active; work begins.")
        )
    if engagement.status in services.HOLDABLE:
        actions.append(("hold", "Put on hold", "Pauses gate decisions until it resumes."))
    if engagement.status == Engagement.Status.ON_HOLD:
        actions.append(("resume", "Resume", "Back to where its phases say it is."))
    if engagement.status in {Engagement.Status.STABILISED, Engagement.Status.ON_HOLD}:
        actions.append(("close", "Close", "Nothing changes after closing."))
    return actions


def admin_trail(engagement: Engagement, *trail):
    """The breadcrumbs of the administration page, then ``trail`` (its sub-pages)."""
    if not trail:
        return engagement_trail(engagement, ("Administration", None))
    url = reverse("manage:engagement-admin", args=[engagement.public_id])
    return engagement_trail(engagement, ("Administration", url), *trail)


def admin_page(
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
        "engagements/admin.html",
        {
            "nav_section": "portfolio",
            "breadcrumbs": admin_trail(engagement),
            "engagement": engagement,
            "admin_url": admin_url,
            "add_form": add_form or AddMemberForm(people=_people_to_add(request, engagement)),
            "reschedule_form": RescheduleForm(phases=open_phases(engagement)),
            "status_actions": _status_actions(engagement),
            "side_choices": EngagementMember.Side.choices,
            "role_choices": EngagementMember.Role.choices,
            "refusal": refusal,
        },
        status=status,
    )


def refused_page(
    request: HttpRequest, engagement: Engagement, refused: DomainError
) -> HttpResponse:
    """A refused action shows the page again, saying why, and changes nothing."""
    status = status_of(refused)
    engagement = selectors.engagement_for_admin(actor=request.user, public_id=engagement.public_id)
    return admin_page(request, engagement, refusal=refused.message, status=status)


def back_to_admin(engagement: Engagement) -> HttpResponse:
    return redirect("manage:engagement-admin", public_id=engagement.public_id)


@login_required
def engagement_admin(request: HttpRequest, public_id) -> HttpResponse:
    return admin_page(request, managed_engagement(request, public_id))


@login_required
@require_POST
def add_member(request: HttpRequest, public_id) -> HttpResponse:
    engagement = managed_engagement(request, public_id)
    form = AddMemberForm(request.POST, people=_people_to_add(request, engagement))
    outcome = submit(
        request,
        form,
        lambda data: services.add_member(
            actor=request.user,
            engagement=engagement,
            user=form.person(),
            side=data["side"],
            role=data["role"],
        ),
        refusals=(InvalidInput, RuleBroken),
    )
    if not outcome.done:
        return admin_page(request, engagement, add_form=form, status=outcome.status)
    member = outcome.value
    messages.success(request, f"{member.user} joined {engagement.name} as {member}.")
    return back_to_admin(engagement)


@login_required
@require_POST
def change_member(request: HttpRequest, public_id, member_id) -> HttpResponse:
    engagement = managed_engagement(request, public_id)
    member = selectors.get_member(engagement=engagement, public_id=member_id)
    form = ChangeMemberForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: services.change_member(
            actor=request.user, member=member, side=data["side"], role=data["role"]
        ),
        refusals=(InvalidInput, RuleBroken),
    )
    if outcome.refused is not None:
        return refused_page(request, engagement, outcome.refused)
    if not outcome.done:
        return admin_page(
            request,
            engagement,
            refusal=f"Choose a side and a role for {member.user}.",
            status=outcome.status,
        )
    member = outcome.value
    messages.success(request, f"{member.user} is now {member}.")
    return back_to_admin(engagement)


@login_required
@require_POST
def change_status(request: HttpRequest, public_id) -> HttpResponse:
    engagement = managed_engagement(request, public_id)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        refusal = "Choose start, hold, resume or close."
        return admin_page(request, engagement, refusal=refusal, status=INVALID_STATUS)
    service, done = action
    try:
        engagement = service(actor=request.user, engagement=engagement)
    except (InvalidInput, RuleBroken) as refused:
        return refused_page(request, engagement, refused)
    messages.success(
        request,
        done.format(name=engagement.name, status=engagement.get_status_display().lower()),
    )
    return back_to_admin(engagement)
