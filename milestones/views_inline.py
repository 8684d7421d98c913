"""A milestone's row on the engagement page changes in place: its status, its evidence.

Each action posts a small form carrying the version the person saw and calls
``update_milestone``. With htmx the answer is the row again (the new version on success; on a
refusal the rule's own message in place, what was typed kept); without JavaScript a success
redirects back to the engagement and a refusal is a small page with the same row and form.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from engagements.navigation import engagement_trail
from engagements.permissions import can_edit
from kernel.errors import InvalidInput, NotFound, RuleBroken, StaleVersion
from kernel.web import REFUSED_STATUS, submit
from milestones.forms_inline import MilestoneEvidenceForm, MilestoneStatusForm
from milestones.models import Milestone
from milestones.rows import actions_prefix, build_row, page_prefix
from milestones.selectors import get_milestone
from milestones.services import update_milestone

# What a "someone else changed it" message names, in this order.
SHOWN_CHANGES = {
    "status": "status",
    "evidence": "evidence",
    "evidence_link": "evidence link",
    "due_date": "due date",
    "owner": "owner",
    "title": "title",
    "phase": "phase",
}


def _milestone_on(request: HttpRequest, engagement_id: uuid.UUID, public_id: uuid.UUID):
    """The milestone the URL names, visible to the person and of the engagement it names."""
    if request.tenant is None:
        raise NotFound("No such milestone.")
    milestone = get_milestone(actor=request.user, public_id=public_id)
    if milestone.engagement.public_id != engagement_id:
        raise NotFound("No such milestone.")
    return milestone


def _describe(field: str, value) -> str:
    if value in (None, "", []):
        return "empty"
    if field == "status":
        return Milestone.Status(value).label
    text = str(value)
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def _changes_since(milestone: Milestone, seen_version: int) -> list[dict]:
    """Who changed the milestone after the version the person saw, when, and what: from its
    audit trail, oldest first."""
    since = []
    for event in history_of(instance=milestone):
        if (event.snapshot or {}).get("version", 0) <= seen_version:
            continue
        changes = []
        for field, label in SHOWN_CHANGES.items():
            if field not in event.changes:
                continue
            old, new = event.changes[field]
            if field in {"owner", "phase"}:
                changes.append(f"{label} changed")
            else:
                changes.append(f"{label} {_describe(field, old)} → {_describe(field, new)}")
        since.append(
            {
                "actor": event.actor or "someone no longer in the tenant",
                "at": event.occurred_at,
                "changes": changes,
            }
        )
    return since


def _answer(
    request: HttpRequest,
    *,
    milestone: Milestone,
    editor: str,
    form: Form | None = None,
    stale: list[dict] | None = None,
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    engagement = milestone.engagement
    row = build_row(
        milestone,
        actor=request.user,
        today=engagement.today(),
        may_edit=can_edit(user=request.user, engagement=engagement),
        prefix=actions_prefix(engagement),
        pages=page_prefix(engagement),
        editor=editor if form is not None else "",
        typed=form.data if form is not None else None,
    )
    context = {
        "row": row,
        "rows": [row],
        "engagement": engagement,
        "form": form,
        "stale": stale,
        "saved": saved,
    }
    if request.htmx:
        template = "milestones/partials/milestone_row_answer.html"
    else:
        template = "milestones/milestone_row_page.html"
        context["breadcrumbs"] = engagement_trail(engagement, (milestone.title, None))
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _apply(
    request: HttpRequest, *, milestone: Milestone, form: Form, editor: str, changes
) -> HttpResponse:
    try:
        # NotAllowed and NotFound are left to DomainErrorMiddleware: 403 and 404.
        outcome = submit(
            request,
            form,
            lambda data: update_milestone(
                actor=request.user,
                milestone=milestone,
                expected_version=data["version"],
                **changes(form),
            ),
            refusals=(InvalidInput, RuleBroken),
        )
    except StaleVersion as stale:
        current = get_milestone(actor=request.user, public_id=milestone.public_id)
        form.add_error(None, stale.message)
        return _answer(
            request,
            milestone=current,
            editor=editor,
            form=form,
            stale=_changes_since(current, form.cleaned_data["version"]),
            status=REFUSED_STATUS,
        )
    if not outcome.done:
        return _answer(
            request, milestone=milestone, editor=editor, form=form, status=outcome.status
        )
    updated = outcome.value
    saved = f"Saved “{updated.title}”: {updated.get_status_display().lower()}."
    if not request.htmx:
        messages.success(request, saved)
        url = reverse("engagements:detail", args=[milestone.engagement.public_id])
        return redirect(f"{url}#milestone-{milestone.public_id}")
    updated = get_milestone(actor=request.user, public_id=milestone.public_id)
    return _answer(request, milestone=updated, editor=editor, saved=saved)


@login_required
@require_POST
def milestone_status(
    request: HttpRequest, engagement_id: uuid.UUID, public_id: uuid.UUID
) -> HttpResponse:
    milestone = _milestone_on(request, engagement_id, public_id)
    return _apply(
        request,
        milestone=milestone,
        form=MilestoneStatusForm(request.POST),
        editor="status",
        changes=lambda form: {"status": form.cleaned_data["status"]},
    )


@login_required
@require_POST
def milestone_evidence(
    request: HttpRequest, engagement_id: uuid.UUID, public_id: uuid.UUID
) -> HttpResponse:
    milestone = _milestone_on(request, engagement_id, public_id)
    return _apply(
        request,
        milestone=milestone,
        form=MilestoneEvidenceForm(request.POST),
        editor="evidence",
        changes=lambda form: form.changes(),
    )
