"""Pages of an engagement's readiness roster."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from engagements.navigation import engagement_trail
from engagements.selectors import get_engagement
from roster.models import Person, Wave
from roster.readiness import readiness_of, requirements_by_role


@login_required
@require_GET
def roster(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """Every person of the roster by wave, with what each still needs."""
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    requirements = requirements_by_role(engagement)
    people = list(
        Person.objects.filter(engagement=engagement)
        .select_related("wave")
        .order_by("wave__number", "name", "id")
    )
    rows = readiness_of(people, engagement=engagement, requirements=requirements)
    waves = []
    for wave in Wave.objects.filter(engagement=engagement).order_by("number"):
        members = [row for row in rows if row.person.wave_id == wave.pk]
        counted = [row for row in members if row.person.status in Person.ON_ROSTER]
        waves.append(
            {
                "wave": wave,
                "rows": members,
                "ready": sum(1 for row in counted if row.ready),
                "total": len(counted),
            }
        )
    return render(
        request,
        "roster/roster.html",
        {
            "engagement": engagement,
            "waves": waves,
            "requirements": requirements,
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(engagement, ("Roster", None)),
        },
    )
