"""An engagement's baselines: the list with the form PMO saves one with, and the plan against
one of them (each milestone's and phase's baseline, plan and actual dates and its slip)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from baselines import selectors, services
from baselines.forms import SaveBaselineForm
from engagements.navigation import engagement_trail
from engagements.permissions import is_pmo
from engagements.selectors import get_engagement
from kernel.errors import NotFound
from kernel.web import submit


def _list_url(engagement) -> str:
    return reverse("baselines:list", args=[engagement.public_id])


@login_required
@require_http_methods(["GET", "POST"])
def baselines(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    may_save = is_pmo(user=request.user, engagement=engagement)
    form = SaveBaselineForm(request.POST if request.method == "POST" else None)
    outcome = submit(
        request,
        form,
        lambda data: services.save_baseline(
            actor=request.user, engagement=engagement, name=data["name"], note=data["note"]
        ),
    )
    if outcome.done:
        messages.success(request, f"Baseline “{outcome.value.name}” saved.")
        return redirect(
            reverse("baselines:detail", args=[engagement.public_id, outcome.value.public_id])
        )
    return render(
        request,
        "baselines/list.html",
        {
            "engagement": engagement,
            "baselines": list(selectors.baselines_of(engagement=engagement)),
            "form": form,
            "may_save": may_save,
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(engagement, ("Baselines", None)),
        },
        status=outcome.status,
    )


@login_required
@require_GET
def baseline(
    request: HttpRequest, engagement_id: uuid.UUID, baseline_id: uuid.UUID
) -> HttpResponse:
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    chosen = selectors.baselines_of(engagement=engagement).filter(public_id=baseline_id).first()
    if chosen is None:
        raise NotFound("No such baseline.")
    comparison = selectors.compare(engagement=engagement, baseline=chosen)
    return render(
        request,
        "baselines/detail.html",
        {
            "engagement": engagement,
            "comparison": comparison,
            "baselines": list(selectors.baselines_of(engagement=engagement)),
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(
                engagement, ("Baselines", _list_url(engagement)), (chosen.name, None)
            ),
        },
    )
