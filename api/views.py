"""The browser page where tenant admins issue and revoke API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api import selectors, services
from api.forms import IssueTokenForm
from engagements.permissions import require_tenant_admin
from kernel.web import submit


def _require_admin(request: HttpRequest) -> None:
    require_tenant_admin(actor=request.user, tenant_id=request.tenant.pk, doing="manage API tokens")


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Every token of the tenant; a new token is shown once, on the page that issued it."""
    if request.tenant is None:
        return render(request, "accounts/no_tenant.html", status=403)
    _require_admin(request)
    form = IssueTokenForm(request.POST or None, tenant=request.tenant, actor=request.user)
    outcome = submit(
        request,
        form,
        lambda data: services.issue_token(actor=request.user, tenant=request.tenant, **data),
    )
    issued = None
    if outcome.done:
        token, secret = outcome.value
        issued = {"token": token, "secret": secret}
        form = IssueTokenForm(tenant=request.tenant, actor=request.user)
    response = render(
        request,
        "api/tokens.html",
        {
            "tokens": selectors.tokens_of_tenant(),
            "form": form,
            "issued": issued,
            "nav_section": "api",
            "breadcrumbs": [("API tokens", None)],
        },
        status=outcome.status,
    )
    if issued is not None:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, public_id) -> HttpResponse:
    token = selectors.get_token(public_id=public_id)
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, f"The token “{token.name}” ({token.prefix}…) was revoked.")
    return redirect("api-tokens:list")
