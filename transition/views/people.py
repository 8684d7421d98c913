"""Tenant members for tenant admins: roles, removal, invitations; and the invitation link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Membership, SingleSignOn
from accounts.selectors import tenant_people
from engagements.navigation import portfolio_trail
from engagements.permissions import require_tenant_admin
from kernel.errors import DomainError, InvalidInput, NotFound, RuleBroken
from kernel.web import status_of, submit
from transition import invitations, selectors, services
from transition.forms import AcceptInvitationForm, InviteForm, SingleSignOnForm
from transition.models import Invitation

INVITATION_GONE = 410


def _admin_only(request: HttpRequest) -> None:
    if request.tenant is None:
        raise NotFound("No tenant.")
    require_tenant_admin(
        actor=request.user, tenant_id=request.tenant.pk, doing="manage its members"
    )


def _members_page(
    request: HttpRequest,
    *,
    invite_form: InviteForm | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HttpResponse:
    memberships = list(tenant_people(tenant=request.tenant))
    return render(
        request,
        "transition/members.html",
        {
            "nav_section": "members",
            "breadcrumbs": portfolio_trail(("Members", None)),
            "memberships": memberships,
            "admins": sum(1 for m in memberships if m.role == Membership.Role.ADMIN),
            "invitations": selectors.waiting_invitations(),
            "invite_form": invite_form or InviteForm(),
            "role_choices": Membership.Role.choices,
            "refusal": refusal,
            "invitation_days": settings.INVITATION_DAYS,
            "separation_of_duties": request.tenant.separation_of_duties,
            "require_second_factor": request.tenant.require_second_factor,
        },
        status=status,
    )


def _refused(request: HttpRequest, refused: DomainError) -> HttpResponse:
    status = status_of(refused)
    return _members_page(request, refusal=refused.message, status=status)


def _membership(request: HttpRequest, public_id) -> Membership:
    membership = (
        Membership.objects.filter(tenant=request.tenant, public_id=public_id)
        .select_related("user", "tenant")
        .first()
    )
    if membership is None:
        raise NotFound("No such member.")
    return membership


@login_required
def members(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return _members_page(request)


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = InviteForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: invitations.invite_member(
            actor=request.user,
            tenant=request.tenant,
            email=data["email"],
            role=data["role"],
            site_url=f"{request.scheme}://{request.get_host()}",
        ),
        refusals=(InvalidInput, RuleBroken),
    )
    if not outcome.done:
        return _members_page(request, invite_form=form, status=outcome.status)
    sent = outcome.value
    if sent.membership is not None:
        messages.success(
            request,
            f"{sent.membership.user} already had an account and is now a member "
            f"({sent.membership.get_role_display()}).",
        )
    else:
        messages.success(
            request,
            f"Invitation sent to {sent.invitation.email}; the link works once, for "
            f"{settings.INVITATION_DAYS} days.",
        )
    return redirect("people:members")


@login_required
@require_POST
def second_factor(request: HttpRequest) -> HttpResponse:
    """A second factor required of PMO and admins, on or off (a checkbox: absent means off)."""
    _admin_only(request)
    required = request.POST.get("require_second_factor") == "on"
    try:
        tenant = services.set_second_factor_required(
            actor=request.user, tenant=request.tenant, required=required
        )
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, refused)
    messages.success(
        request,
        "A second factor is now required: gate approvals and review publications by someone "
        "without one are refused."
        if tenant.require_second_factor
        else "A second factor is no longer required to sign off.",
    )
    return redirect("people:members")


@login_required
@require_POST
def separation_of_duties(request: HttpRequest) -> HttpResponse:
    """Four eyes on gate decisions, on or off (a checkbox: absent means off)."""
    _admin_only(request)
    separate = request.POST.get("separation_of_duties") == "on"
    try:
        tenant = services.set_separation_of_duties(
            actor=request.user, tenant=request.tenant, separate=separate
        )
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, refused)
    messages.success(
        request,
        "Four eyes is on: whoever requests a gate decision cannot approve it."
        if tenant.separation_of_duties
        else "Four eyes is off: a PMO may approve a decision they requested; such "
        "approvals are marked self-approved.",
    )
    return redirect("people:members")


@login_required
@require_POST
def change_role(request: HttpRequest, public_id) -> HttpResponse:
    _admin_only(request)
    membership = _membership(request, public_id)
    role = request.POST.get("role", "")
    try:
        membership = services.change_membership_role(
            actor=request.user, membership=membership, role=role
        )
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, refused)
    messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
    return redirect("people:members")


@login_required
@require_POST
def remove(request: HttpRequest, public_id) -> HttpResponse:
    _admin_only(request)
    membership = _membership(request, public_id)
    try:
        services.remove_membership(actor=request.user, membership=membership)
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, refused)
    messages.success(request, f"{membership.user} no longer belongs to {request.tenant.name}.")
    return redirect("people:members")


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, public_id) -> HttpResponse:
    _admin_only(request)
    invitation = Invitation.objects.filter(public_id=public_id).first()
    if invitation is None:
        raise NotFound("No such invitation.")
    try:
        invitations.cancel_invitation(actor=request.user, invitation=invitation)
    except (InvalidInput, RuleBroken) as refused:
        return _refused(request, refused)
    messages.success(request, f"The invitation for {invitation.email} is cancelled.")
    return redirect("people:members")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail: choose a username and password, join the tenant, sign in.

    Someone already signed in is not the invitee (invitations are for people without an
    account): they are told to sign out, and see only invitations of their own tenant.
    """
    if request.user.is_authenticated:
        invitation = (
            Invitation.objects.filter(token_hash=invitations.hash_token(token)).first()
            if request.tenant is not None
            else None
        )
        if invitation is None:
            raise NotFound("This invitation link is not valid.")
        return render(
            request,
            "transition/accept_invitation.html",
            {"invitation": invitation, "signed_in": True},
        )
    invitation = invitations.invitation_for_token(token=token)
    context = {"invitation": invitation, "tenant": invitation.tenant}
    try:
        invitations.refuse_unless_usable(invitation=invitation)
    except RuleBroken as gone:
        return render(
            request,
            "transition/accept_invitation.html",
            {**context, "gone": gone.message},
            status=INVITATION_GONE,
        )
    form = AcceptInvitationForm(request.POST or None)
    try:
        outcome = submit(
            request,
            form,
            lambda data: invitations.accept_invitation(
                invitation=invitation,
                username=data["username"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            ),
            refusals=(InvalidInput,),
        )
    except RuleBroken as gone:
        return render(
            request,
            "transition/accept_invitation.html",
            {**context, "gone": gone.message},
            status=INVITATION_GONE,
        )
    if outcome.done:
        messages.success(
            request,
            f"Welcome to {invitation.tenant.name}. Sign in as {outcome.value.username} with the "
            "password you chose.",
        )
        return redirect("accounts:login")
    return render(
        request,
        "transition/accept_invitation.html",
        {**context, "form": form},
        status=outcome.status,
    )


@login_required
def single_sign_on(request: HttpRequest) -> HttpResponse:
    """The tenant's OpenID Connect provider (tenant admins)."""
    _admin_only(request)
    current = SingleSignOn.objects.filter(tenant=request.tenant).first()
    initial = {}
    if current is not None:
        initial = {
            "enabled": current.enabled,
            "issuer": current.issuer,
            "client_id": current.client_id,
            "client_secret_env": current.client_secret_env,
            "allowed_domains": ", ".join(current.allowed_domains),
            "first_role": current.first_role,
            "local_passwords": current.local_passwords,
        }
    form = SingleSignOnForm(request.POST or None, initial=initial)
    outcome = submit(
        request,
        form,
        lambda data: services.configure_single_sign_on(
            actor=request.user, tenant=request.tenant, **data
        ),
    )
    if outcome.done:
        messages.success(request, "Single sign-on saved.")
        return redirect("people:single-sign-on")
    callback = None
    if current is not None:
        callback = request.build_absolute_uri(
            f"/accounts/oidc/{current.provider_id}/login/callback/"
        )
    return render(
        request,
        "transition/single_sign_on.html",
        {
            "nav_section": "members",
            "breadcrumbs": portfolio_trail(("Members", "/members/"), ("Single sign-on", None)),
            "form": form,
            "current": current,
            "callback": callback,
        },
        status=outcome.status,
    )
