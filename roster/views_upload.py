"""The roster's upload pages: a roster or results file, its preview naming each bad row and
column, and its commit (all rows or none). The rules are ``roster.imports``'s."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from engagements.models import Engagement
from engagements.navigation import engagement_trail
from engagements.permissions import can_edit_roster, require
from engagements.selectors import get_engagement
from kernel.web import submit
from roster import imports
from roster.models import Requirement, Upload, Wave
from roster.upload_forms import CommitForm, RosterFileForm

# The preview lists every problem, and the first rows that would be written.
PREVIEW_ROWS_SHOWN = 100


def _trail(engagement: Engagement, last: str):
    roster_url = reverse("roster:roster", kwargs={"engagement_id": engagement.public_id})
    return engagement_trail(engagement, ("Roster", roster_url), (last, None))


def _editor(request: HttpRequest, engagement_id: uuid.UUID) -> Engagement:
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    require(
        can_edit_roster(user=request.user, engagement=engagement),
        "Only the provider's team and PMO can upload to the roster.",
    )
    return engagement


def _form_page(request, engagement, form, *, status: int) -> HttpResponse:
    requirements = list(
        Requirement.objects.filter(engagement=engagement).order_by("role", "position", "id")
    )
    return render(
        request,
        "roster/upload/upload.html",
        {
            "engagement": engagement,
            "form": form,
            "roles": sorted({requirement.role for requirement in requirements}),
            "requirements": [r for r in requirements if r.kind != Requirement.Kind.SYSTEM],
            "waves": list(Wave.objects.filter(engagement=engagement).order_by("number")),
            "max_rows": f"{imports.MAX_ROWS:,}",
            "today": engagement.today(),
            "breadcrumbs": _trail(engagement, "Upload"),
        },
        status=status,
    )


def _preview_page(request, engagement, preview, *, upload, file_name, status) -> HttpResponse:
    return render(
        request,
        "roster/upload/preview.html",
        {
            "engagement": engagement,
            "preview": preview,
            "people": preview.kind == Upload.Kind.PEOPLE,
            "lines": preview.rows[:PREVIEW_ROWS_SHOWN],
            "hidden_rows": max(len(preview.rows) - PREVIEW_ROWS_SHOWN, 0),
            "counts": {
                effect: preview.count(effect)
                for effect in ("new", "changed", "unchanged", "erased")
            },
            "upload": upload,
            "file_name": file_name,
            "form": RosterFileForm(initial={"kind": preview.kind}),
            "breadcrumbs": _trail(engagement, "Upload preview"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """GET: the upload form. POST: read and check the file, and show its preview."""
    engagement = _editor(request, engagement_id)
    form = RosterFileForm(request.POST or None, request.FILES or None)
    outcome = submit(
        request,
        form,
        lambda data: imports.store(
            actor=request.user,
            engagement=engagement,
            kind=data["kind"],
            name=data["file"].name,
            content=data["file"].read(),
        ),
    )
    if not outcome.done:
        return _form_page(request, engagement, form, status=outcome.status)
    preview, stored = outcome.value
    return _preview_page(
        request,
        engagement,
        preview,
        upload=stored,
        file_name=form.cleaned_data["file"].name,
        status=200 if preview.ok else 400,
    )


@login_required
@require_POST
def commit(request: HttpRequest, engagement_id: uuid.UUID, upload_id: uuid.UUID) -> HttpResponse:
    """Write the previewed file's rows, checked again: all of them, or none."""
    engagement = _editor(request, engagement_id)
    form = CommitForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda _data: imports.commit(
            actor=request.user, engagement=engagement, upload_id=upload_id
        ),
    )
    if not outcome.done:
        refused = outcome.refused
        if isinstance(refused, imports.ImportRejected):
            messages.error(request, refused.message)
            return _preview_page(
                request, engagement, refused.preview, upload=None, file_name="", status=400
            )
        messages.error(request, refused.message if refused else "Upload the file again.")
        return redirect("roster:upload", engagement_id=engagement.public_id)
    done = outcome.value
    if done.kind == Upload.Kind.PEOPLE:
        messages.success(
            request,
            f"Roster imported: {done.new} added, {done.changed} changed, "
            f"{done.unchanged} unchanged.",
        )
    else:
        messages.success(request, f"Imported {done.new} result{'s' if done.new != 1 else ''}.")
    return redirect("roster:roster", engagement_id=engagement.public_id)
