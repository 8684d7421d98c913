"""Create an engagement from a playbook: choose it, fill in the facts, name a person for every
owner role, look at the plan with its dates, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.selectors import tenant_people
from engagements.models import Engagement
from engagements.navigation import portfolio_trail
from engagements.permissions import require_planner
from kernel.errors import InvalidInput, RuleBroken
from kernel.web import submit
from transition import planning, services
from transition.forms import EngagementFromPlaybookForm

# The facts of the new engagement the form carries to the service.
FACTS = (
    "name",
    "client_name",
    "provider_name",
    "contract_signed_on",
    "target_go_live",
    "time_zone",
)


def _breadcrumbs(current: str, *, chooser: bool = True) -> list[tuple[str, str | None]]:
    if not chooser:
        return portfolio_trail((current, None))
    return portfolio_trail(("New engagement", reverse("manage:engagement-new")), (current, None))


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
    people = [m.user for m in tenant_people(tenant=request.tenant)]
    context = {
        "nav_section": "portfolio",
        "breadcrumbs": _breadcrumbs(playbook.name),
        "playbook": playbook,
        "choice": choice,
    }
    form = EngagementFromPlaybookForm(request.POST or None, playbook=playbook, people=people)
    create = request.POST.get("action") == "create"

    def check_then_create(data: dict) -> Engagement | None:
        """The owner checks always; the creation only when the plan is the one previewed."""
        owners = form.owners()
        services.check_owners(tenant=request.tenant, playbook=playbook, owners=owners)
        if not (create and data["plan_checked"] == form.fingerprint()):
            return None
        facts = {name: data[name] for name in FACTS}
        return services.create_engagement_from_playbook(
            actor=request.user, tenant=request.tenant, playbook=playbook, owners=owners, **facts
        )

    outcome = submit(request, form, check_then_create, refusals=(InvalidInput, RuleBroken))
    if not outcome.done:
        return render(
            request,
            "transition/new_engagement.html",
            {**context, "form": form},
            status=outcome.status,
        )
    if outcome.value is not None:
        engagement = outcome.value
        messages.success(
            request,
            f"{engagement.name} was created from “{playbook.name}”: "
            f"{playbook.milestone_count} milestones, {len(playbook.phases)} gates and "
            f"{len(playbook.reviews)} reviews.",
        )
        return redirect("engagements:detail", public_id=engagement.public_id)
    if create:
        messages.warning(
            request, "The details changed since the preview: check the plan below, then create it."
        )
    preview = planning.plan_preview(
        playbook=playbook,
        contract_signed_on=form.cleaned_data["contract_signed_on"],
        target_go_live=form.cleaned_data["target_go_live"],
        owners=form.owners(),
    )
    return render(
        request,
        "transition/new_engagement.html",
        {**context, "form": form, "preview": preview, "fingerprint": form.fingerprint()},
    )
