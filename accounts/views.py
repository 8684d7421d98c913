from allauth.account.views import LoginView as AllauthLoginView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services, sessions
from accounts.forms import LoginForm, TenantSwitchForm
from accounts.middleware import ActiveTenantMiddleware
from accounts.signals import announce_own_session_end
from kernel.errors import NotFound
from kernel.web import submit


class LoginView(AllauthLoginView):
    """django-allauth's sign-in: its failure limits (settings.ACCOUNT_RATE_LIMITS), then its
    stages (the second factor)."""

    form_class = LoginForm
    template_name = "accounts/login.html"

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_out:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    pass


def no_signup(request: HttpRequest) -> HttpResponse:
    """Nobody signs up: people join a tenant through an invitation its admins send."""
    return redirect("accounts:login")


@login_required
@require_POST
def switch_tenant(request: HttpRequest) -> HttpResponse:
    form = TenantSwitchForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: services.switch_tenant(actor=request.user, tenant_public_id=data["tenant"]),
        refusals=(NotFound,),
    )
    if not outcome.done:
        refused = outcome.refused
        messages.error(request, refused.message if refused else "Choose a tenant from the list.")
        return redirect("home")
    membership = outcome.value
    request.session[ActiveTenantMiddleware.SESSION_KEY] = membership.tenant_id
    messages.success(request, f"You are now working in {membership.tenant.name}.")
    return redirect("home")


@login_required
def signed_in_sessions(request: HttpRequest) -> HttpResponse:
    """The person's signed-in sessions (device, address, last seen); any can be ended."""
    rows = [
        {
            "session": session,
            "device": sessions.describe_device(session.user_agent),
            "current": session.session_key == request.session.session_key,
        }
        for session in sessions.signed_in_sessions(user=request.user)
    ]
    return render(request, "accounts/sessions.html", {"rows": rows})


@login_required
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    ended = sessions.end_session(actor=request.user, session_id=session_id)
    if ended.session_key == request.session.session_key:
        announce_own_session_end(request)
        logout(request)
        return redirect("accounts:login")
    messages.success(
        request, f"Signed out {sessions.describe_device(ended.user_agent)} ({ended.ip})."
    )
    return redirect("accounts:sessions")
