"""The plan import pages: a file (for a new engagement, or to re-plan one), its column
mapping and preview naming every bad row and column, and its commit. The rules are
``plans.services``'s."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import Engagement
from engagements.navigation import engagement_trail, portfolio_trail
from engagements.permissions import require_planner, require_pmo
from engagements.selectors import get_engagement
from kernel.errors import InvalidInput, NotFound, RuleBroken
from kernel.web import submit
from plans import files, sample, services
from plans.forms import CommitForm, MappingForm, NewPlanForm, PlanFileForm

PREVIEW_ROWS_SHOWN = 200
EFFECT_ORDER = {"changed": 0, "new": 1, "unchanged": 2}
# While rows are wrong, the problems matter: a few good rows show the dates, no more.
ROWS_SHOWN_BESIDE_PROBLEMS = 10


def shown(checked) -> int:
    return ROWS_SHOWN_BESIDE_PROBLEMS if checked.errors else PREVIEW_ROWS_SHOWN


def _no_tenant(request: HttpRequest) -> HttpResponse | None:
    if request.tenant is None:
        return render(request, "accounts/no_tenant.html", status=403)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def new_plan(request: HttpRequest) -> HttpResponse:
    """GET: the facts of the new engagement and its plan file. POST: keep the file, then its
    mapping and preview."""
    if (refused := _no_tenant(request)) is not None:
        return refused
    require_planner(actor=request.user, tenant_id=request.tenant.pk, doing="create engagements")
    form = NewPlanForm(request.POST or None, request.FILES or None)
    outcome = submit(
        request,
        form,
        lambda data: services.store(
            actor=request.user,
            tenant=request.tenant,
            name=data["file"].name,
            content=data["file"].read(),
            facts={name: data[name] for name in services.FACTS},
        ),
    )
    if outcome.done:
        return redirect("plans:upload", upload_id=outcome.value.public_id)
    return render(
        request,
        "plans/new.html",
        {
            "form": form,
            "nav_section": "portfolio",
            "max_rows": f"{files.MAX_ROWS:,}",
            "breadcrumbs": portfolio_trail(
                ("New engagement", reverse("manage:engagement-new")), ("From a plan file", None)
            ),
        },
        status=outcome.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def replan(request: HttpRequest, engagement_id: uuid.UUID) -> HttpResponse:
    """GET: the file that re-plans the engagement. POST: keep it, then its preview."""
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    require_pmo(actor=request.user, engagement=engagement, doing="re-plan from a file")
    form = PlanFileForm(request.POST or None, request.FILES or None)
    outcome = submit(
        request,
        form,
        lambda data: services.store(
            actor=request.user,
            tenant=request.tenant,
            engagement=engagement,
            name=data["file"].name,
            content=data["file"].read(),
        ),
    )
    if outcome.done:
        return redirect("plans:upload", upload_id=outcome.value.public_id)
    return render(
        request,
        "plans/replan.html",
        {
            "engagement": engagement,
            "form": form,
            "max_rows": f"{files.MAX_ROWS:,}",
            "breadcrumbs": engagement_trail(engagement, ("Import a plan", None)),
        },
        status=outcome.status,
    )


def _upload_page(request, upload, *, mapping_form=None, status=200, refused=None):
    sheet, checked = services.preview(actor=request.user, upload=upload)
    engagement: Engagement | None = upload.engagement
    if mapping_form is None:
        mapping_form = MappingForm(header=sheet.header, mapping=upload.mapping)
    if engagement is not None:
        breadcrumbs = engagement_trail(
            engagement,
            (
                "Import a plan",
                reverse("plans:replan", kwargs={"engagement_id": engagement.public_id}),
            ),
            ("Preview", None),
        )
    else:
        breadcrumbs = portfolio_trail(("From a plan file", reverse("plans:new")), ("Preview", None))
    return render(
        request,
        "plans/preview.html",
        {
            "upload": upload,
            "engagement": engagement,
            "facts": upload.facts,
            "day0": checked.day0,
            "checked": checked,
            "mapping_form": mapping_form,
            # A re-plan shows what changes first.
            "lines": sorted(checked.rows, key=lambda row: EFFECT_ORDER[row.effect])[
                :PREVIEW_ROWS_SHOWN
            ],
            "hidden_rows": max(len(checked.rows) - PREVIEW_ROWS_SHOWN, 0),
            "counts": {e: checked.count(e) for e in ("new", "changed", "unchanged")},
            "file_form": PlanFileForm(),
            "refused": refused,
            "nav_section": None if engagement else "portfolio",
            "breadcrumbs": breadcrumbs,
        },
        status=status if checked.ok or status != 200 else 400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """GET: the mapping and the preview. POST: a corrected mapping, then the preview again."""
    stored = services.upload_of(actor=request.user, public_id=upload_id)
    if request.method == "GET":
        return _upload_page(request, stored)
    sheet = files.read_file(name=stored.file_name, content=bytes(stored.content))
    form = MappingForm(request.POST, header=sheet.header, mapping=stored.mapping)
    outcome = submit(
        request,
        form,
        lambda _data: services.remap(actor=request.user, upload=stored, mapping=form.mapping()),
    )
    if not outcome.done:
        return _upload_page(request, stored, mapping_form=form, status=outcome.status)
    return redirect("plans:upload", upload_id=stored.public_id)


@login_required
@require_POST
def commit(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """Write the previewed plan, checked again: all of it, or nothing."""
    stored = services.upload_of(actor=request.user, public_id=upload_id)
    form = CommitForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda _data: services.commit(actor=request.user, upload=stored),
        refusals=(InvalidInput, RuleBroken, NotFound),
    )
    if not outcome.done:
        refused = outcome.refused
        messages.error(request, refused.message if refused else "Upload the file again.")
        if isinstance(refused, services.PlanRejected):
            return redirect("plans:upload", upload_id=stored.public_id)
        return redirect("plans:new")
    done = outcome.value
    if stored.engagement is None:
        messages.success(
            request,
            f"{done.engagement.name} was created from {stored.file_name}: {done.new} milestones.",
        )
    else:
        messages.success(
            request,
            f"Plan imported: {done.new} new, {done.changed} changed, {done.unchanged} unchanged"
            + (f"; {done.missing} not in the file, kept as they are." if done.missing else "."),
        )
    return redirect("engagements:detail", public_id=done.engagement.public_id)


@login_required
@require_GET
def sample_file(request: HttpRequest, extension: str) -> HttpResponse:
    """A plan file built from a shipped playbook, owned by the tenant's own people."""
    if (refused := _no_tenant(request)) is not None:
        return refused
    require_planner(actor=request.user, tenant_id=request.tenant.pk, doing="create engagements")
    rows = sample.sample_rows(tenant=request.tenant, actor=request.user)
    if extension == "xlsx":
        body, kind = (
            sample.sample_xlsx(rows),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        body, kind = sample.sample_csv(rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="sample-plan.{extension}"'
    return response
