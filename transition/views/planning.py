"""Create an engagement from a playbook: choose it, fill in the facts, name a person for every
owner role, look at the plan with its dates, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from engagements.permissions import require_planner
from kernel.errors import InvalidInput, RuleBroken
from kernel.web import INVALID_STATUS, add_domain_error, status_of
from transition import planning, selectors, services
from transition.forms import EngagementFromPlaybookForm


def _breadcrumbs(current: str, *, chooser: bool = True) -> list[tuple[str, str | None]]:
    crumbs = [("Portfolio", reverse("home"))]
    if chooser:
        crumbs.append(("New engagement", reverse("manage:engagement-new")))
    return [*crumbs, (current, None)]


@login_required
def new_engagement(request: HttpRequest) -> HttpResponse:
    """GET: the playbooks to start from, or (``?playbook=``) the form for one. POST
    ``action=preview`` shows the plan with its dates; ``action=create`` creates exactly the
    plan that was previewed."""
    if request.tenant is None:
        return render(request, "accounts/no_tenant.html", status=403)
    require_planner(actor=request.user, tenant_id=request.tenant.pk, doing="create engagements")
    choice = request.POST.get("playbook") or request.GET.get("playbook")
    if not choice:
        return render(
            request,
            "transition/new_engagement_choose.html",
            {
                "nav_section": "portfolio",
                "breadcrumbs": _breadcrumbs("New engagement", chooser=False),
                "choices": planning.playbook_choices(),
            },
        )
    playbook = planning.playbook_for_choice(choice)
    people = [m.user for m in selectors.tenant_people(tenant=request.tenant)]
    context = {
        "nav_section": "portfolio",
        "breadcrumbs": _breadcrumbs(playbook.name),
        "playbook": playbook,
        "choice": choice,
    }
    if request.method != "POST":
        form = EngagementFromPlaybookForm(playbook=playbook, people=people)
        return render(request, "transition/new_engagement.html", {**context, "form": form})

    form = EngagementFromPlaybookForm(request.POST, playbook=playbook, people=people)
    if not form.is_valid():
        return render(
            request,
            "transition/new_engagement.html",
            {**context, "form": form},
            status=INVALID_STATUS,
        )
    facts = {
        "name": form.cleaned_data["name"],
        "client_name": form.cleaned_data["client_name"],
        "provider_name": form.cleaned_data["provider_name"],
        "contract_signed_on": form.cleaned_data["contract_signed_on"],
        "target_go_live": form.cleaned_data["target_go_live"],
        "time_zone": form.cleaned_data["time_zone"],
    }
    owners = form.owners()
    try:
        services.check_owners(tenant=request.tenant, playbook=playbook, owners=owners)
        fingerprint = form.fingerprint()
        confirmed = form.cleaned_data["plan_checked"] == fingerprint
        if request.POST.get("action") == "create" and confirmed:
            engagement = services.create_engagement_from_playbook(
                actor=request.user, tenant=request.tenant, playbook=playbook, owners=owners, **facts
            )
            messages.success(
                request,
                f"{engagement.name} was created from “{playbook.name}”: "
                f"{playbook.milestone_count} milestones, {len(playbook.phases)} gates and "
                f"{len(playbook.reviews)} reviews.",
            )
            return redirect("engagements:detail", public_id=engagement.public_id)
    except (InvalidInput, RuleBroken) as refused:
        if "owners" in getattr(refused, "errors", {}):
            # The service names roles by key; its summary names the people and sides.
            form.add_error(None, refused.message)
        else:
            add_domain_error(form, refused)
        status = status_of(refused)
        return render(
            request, "transition/new_engagement.html", {**context, "form": form}, status=status
        )
    if request.POST.get("action") == "create":
        messages.warning(
            request, "The details changed since the preview: check the plan below, then create it."
        )
    preview = planning.plan_preview(
        playbook=playbook,
        contract_signed_on=facts["contract_signed_on"],
        target_go_live=facts["target_go_live"],
        owners=owners,
    )
    return render(
        request,
        "transition/new_engagement.html",
        {**context, "form": form, "preview": preview, "fingerprint": fingerprint},
    )
