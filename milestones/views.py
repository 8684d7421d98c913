"""The milestone page: details, dependencies, history in words, comments and evidence files;
adding a milestone to a phase, editing it, reassigning its owner.

Views parse, call a service and show the outcome; every rule (who may, what is valid) is a
service's. A refusal is shown beside the field it names, with what was typed kept: 400 for
bad input, 409 for a rule or a stale edit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.selectors import history_of
from engagements.models import Engagement, Phase
from engagements.navigation import engagement_trail
from engagements.permissions import can_comment, can_edit, can_edit_milestone, require
from kernel.errors import InvalidInput, RuleBroken, StaleVersion
from kernel.web import FORM_REFUSALS, REFUSED_STATUS, submit
from milestones import selectors, services
from milestones.comments import add_comment
from milestones.evidence import allowed_evidence_types, attach_evidence_file, delete_evidence_file
from milestones.forms import (
    CommentForm,
    EvidenceUploadForm,
    MilestoneForm,
    ReassignOwnerForm,
    StatusForm,
)
from milestones.models import Milestone


def _detail_url(milestone: Milestone, anchor: str = "") -> str:
    url = reverse(
        "milestones:detail",
        kwargs={
            "engagement_id": milestone.engagement.public_id,
            "milestone_id": milestone.public_id,
        },
    )
    return f"{url}#{anchor}" if anchor else url


def _engagement_url(engagement: Engagement) -> str:
    return reverse("engagements:detail", kwargs={"public_id": engagement.public_id})


def _require_editor_of(user, milestone: Milestone) -> None:
    require(
        can_edit_milestone(user=user, milestone=milestone),
        "Only members of this engagement who are not viewers can change it.",
    )


# --- The page --------------------------------------------------------------------------------


def _render_page(
    request: HttpRequest,
    page: selectors.MilestonePage,
    *,
    status: int = 200,
    comment_form: CommentForm | None = None,
    upload_form: EvidenceUploadForm | None = None,
    owner_form: ReassignOwnerForm | None = None,
    status_form: StatusForm | None = None,
) -> HttpResponse:
    milestone = page.milestone
    may_change = can_edit_milestone(user=request.user, milestone=milestone)
    if status_form is None and may_change and milestone.phase.status != Phase.Status.COMPLETE:
        status_form = StatusForm(
            initial={"status": milestone.status, "expected_version": milestone.version},
            auto_id="status-%s",
        )
    if owner_form is None and may_change:
        owner_form = ReassignOwnerForm(
            members=selectors.engagement_members(engagement=milestone.engagement),
            initial={
                "owner": str(milestone.owner.public_id),
                "expected_version": milestone.version,
            },
        )
    allowed = allowed_evidence_types()
    context = {
        "page": page,
        "milestone": milestone,
        "engagement": milestone.engagement,
        "comment_form": comment_form or CommentForm(),
        "upload_form": upload_form or EvidenceUploadForm(),
        "owner_form": owner_form,
        "status_form": status_form,
        "accepted_types": ", ".join(kind.label for kind in allowed),
        "accept_extensions": ",".join(ext for kind in allowed for ext in kind.extensions),
        "max_upload_bytes": settings.EVIDENCE_MAX_BYTES,
        "nav_section": "portfolio",
        "breadcrumbs": engagement_trail(milestone.engagement, (milestone.title, None)),
    }
    return render(request, "milestones/detail.html", context, status=status)


@login_required
@require_GET
def milestone_detail(request: HttpRequest, engagement_id, milestone_id) -> HttpResponse:
    page = selectors.milestone_page(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    return _render_page(request, page)


def _refused_on_page(request, engagement_id, milestone_id, status: int, **forms) -> HttpResponse:
    page = selectors.milestone_page(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    return _render_page(request, page, status=status, **forms)


# --- Comments --------------------------------------------------------------------------------


@login_required
@require_POST
def comment(request: HttpRequest, engagement_id, milestone_id) -> HttpResponse:
    milestone = selectors.get_milestone_of_engagement(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    require(
        can_comment(user=request.user, engagement=milestone.engagement),
        "Only members of this engagement who are not viewers can comment.",
    )
    form = CommentForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: add_comment(actor=request.user, milestone=milestone, body=data["body"]),
    )
    if outcome.done:
        messages.success(request, "Comment added.")
        return redirect(_detail_url(milestone, "comments"))
    return _refused_on_page(request, engagement_id, milestone_id, outcome.status, comment_form=form)


# --- Evidence files --------------------------------------------------------------------------


@login_required
@require_POST
def upload_file(request: HttpRequest, engagement_id, milestone_id) -> HttpResponse:
    milestone = selectors.get_milestone_of_engagement(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    _require_editor_of(request.user, milestone)
    form = EvidenceUploadForm(request.POST, request.FILES)
    outcome = submit(
        request,
        form,
        lambda data: attach_evidence_file(
            actor=request.user, milestone=milestone, upload=data["file"]
        ),
    )
    if outcome.done:
        messages.success(request, f"“{outcome.value.original_name}” attached.")
        return redirect(_detail_url(milestone, "files"))
    return _refused_on_page(request, engagement_id, milestone_id, outcome.status, upload_form=form)


@login_required
@require_GET
def download_file(request: HttpRequest, engagement_id, milestone_id, file_id) -> FileResponse:
    """The only way to a stored file: the viewer must see the milestone (else 404)."""
    evidence = selectors.get_evidence_file(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id, file_id=file_id
    )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def delete_file(request: HttpRequest, engagement_id, milestone_id, file_id) -> HttpResponse:
    evidence = selectors.get_evidence_file(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id, file_id=file_id
    )
    milestone = evidence.milestone
    try:
        delete_evidence_file(actor=request.user, evidence_file=evidence)
    except FORM_REFUSALS as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"“{evidence.original_name}” deleted.")
    return redirect(_detail_url(milestone, "files"))


# --- Owner -----------------------------------------------------------------------------------


@login_required
@require_POST
def reassign_owner(request: HttpRequest, engagement_id, milestone_id) -> HttpResponse:
    milestone = selectors.get_milestone_of_engagement(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    _require_editor_of(request.user, milestone)
    form = ReassignOwnerForm(
        request.POST, members=selectors.engagement_members(engagement=milestone.engagement)
    )
    before = milestone.owner
    outcome = submit(
        request,
        form,
        lambda data: services.update_milestone(actor=request.user, milestone=milestone, **data),
    )
    if outcome.done:
        if outcome.value.owner == before:
            messages.info(request, f"{before} already owns this milestone.")
        else:
            messages.success(request, f"{outcome.value.owner} now owns this milestone.")
        return redirect(_detail_url(milestone))
    return _refused_on_page(request, engagement_id, milestone_id, outcome.status, owner_form=form)


# --- Status ----------------------------------------------------------------------------------


@login_required
@require_POST
def change_status(request: HttpRequest, engagement_id, milestone_id) -> HttpResponse:
    """The same rules as everywhere (dependencies done, evidence for one that needs it, the
    version seen): a refusal is shown on the page with the status that was chosen."""
    milestone = selectors.get_milestone_of_engagement(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    _require_editor_of(request.user, milestone)
    form = StatusForm(request.POST, auto_id="status-%s")

    def change(data: dict):
        try:
            return services.update_milestone(actor=request.user, milestone=milestone, **data)
        except InvalidInput as refused:
            # What the refusal asks of another field (the evidence) is said beside the status.
            for message in refused.errors.get("evidence", []):
                form.add_error("status", message)
            raise

    outcome = submit(request, form, change)
    if outcome.done:
        changed = outcome.value
        label = changed.get_status_display().lower()
        if changed.version == form.cleaned_data["expected_version"]:
            messages.info(request, f"“{changed.title}” is already {label}.")
        else:
            messages.success(request, f"“{changed.title}” is now {label}.")
        return redirect(_detail_url(changed))
    return _refused_on_page(request, engagement_id, milestone_id, outcome.status, status_form=form)


# --- Add and edit ----------------------------------------------------------------------------


def _render_form(
    request: HttpRequest,
    *,
    form: MilestoneForm,
    phase: Phase,
    milestone: Milestone | None = None,
    status: int = 200,
    stale: dict | None = None,
) -> HttpResponse:
    engagement = phase.engagement
    if milestone is None:
        heading = f"Add a milestone to {phase.get_kind_display()}"
        trail = [(heading, None)]
    else:
        heading = f"Edit “{milestone.title}”"
        trail = [(milestone.title, _detail_url(milestone)), ("Edit", None)]
    context = {
        "form": form,
        "phase": phase,
        "engagement": engagement,
        "milestone": milestone,
        "heading": heading,
        "stale": stale,
        "nav_section": "portfolio",
        "breadcrumbs": engagement_trail(engagement, *trail),
        "cancel_url": _detail_url(milestone) if milestone else _engagement_url(engagement),
    }
    return render(request, "milestones/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, engagement_id, phase_id) -> HttpResponse:
    phase = selectors.get_phase_of_engagement(
        actor=request.user, engagement_id=engagement_id, phase_id=phase_id
    )
    engagement = phase.engagement
    require(
        can_edit(user=request.user, engagement=engagement),
        "Only members of this engagement who are not viewers can add milestones.",
    )
    form = MilestoneForm(
        request.POST if request.method == "POST" else None,
        members=selectors.engagement_members(engagement=engagement),
        dependency_choices=selectors.dependency_candidates(phase=phase),
        initial={"due_date": phase.planned_end},
    )
    outcome = submit(
        request,
        form,
        lambda data: services.create_milestone(
            actor=request.user, engagement=engagement, phase=phase, **data
        ),
    )
    if outcome.done:
        milestone = outcome.value
        messages.success(request, f"“{milestone.title}” added to {phase.get_kind_display()}.")
        return redirect(_detail_url(milestone))
    return _render_form(request, form=form, phase=phase, status=outcome.status)


def _current_values(milestone: Milestone, dependencies: list[Milestone]) -> dict:
    """What the stored milestone says now, and who changed it last, for a stale edit."""
    last = history_of(instance=milestone).last()
    return {
        "milestone": milestone,
        "dependencies": dependencies,
        "changed_by": last.actor if last else None,
        "changed_at": last.occurred_at if last else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, engagement_id, milestone_id) -> HttpResponse:
    milestone = selectors.get_milestone_of_engagement(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    _require_editor_of(request.user, milestone)
    dependencies = list(milestone.depends_on.select_related("phase").order_by("due_date", "id"))
    form_options = {
        "members": selectors.engagement_members(engagement=milestone.engagement),
        "dependency_choices": selectors.dependency_candidates(
            phase=milestone.phase, milestone=milestone
        ),
        "editing": True,
    }
    form = MilestoneForm(
        request.POST if request.method == "POST" else None,
        initial=MilestoneForm.initial_for(milestone, dependencies),
        **form_options,
    )
    try:
        outcome = submit(
            request,
            form,
            lambda data: services.update_milestone(actor=request.user, milestone=milestone, **data),
            refusals=(InvalidInput, RuleBroken),
        )
    except StaleVersion:
        # Keep what was typed, show what is stored now, and carry the current version:
        # saving again, having seen both, replaces the newer values knowingly.
        form, stale = _stale_edit(request, form, form_options, engagement_id, milestone_id)
        return _render_form(
            request,
            form=form,
            phase=milestone.phase,
            milestone=milestone,
            status=REFUSED_STATUS,
            stale=stale,
        )
    if outcome.done:
        changed = outcome.value
        if changed.version == form.cleaned_data["expected_version"]:
            messages.info(request, "Nothing to save: no field was changed.")
        else:
            messages.success(request, f"“{changed.title}” saved.")
        return redirect(_detail_url(changed))
    return _render_form(
        request, form=form, phase=milestone.phase, milestone=milestone, status=outcome.status
    )


def _stale_edit(request, form, form_options, engagement_id, milestone_id):
    """The form again, over the version stored now, with what was typed and a message that
    says who changed it; and the stored values to show beside it."""
    seen_version = form.cleaned_data["expected_version"]
    current = selectors.get_milestone_of_engagement(
        actor=request.user, engagement_id=engagement_id, milestone_id=milestone_id
    )
    current_dependencies = list(
        current.depends_on.select_related("phase").order_by("due_date", "id")
    )
    typed = request.POST.copy()
    typed["expected_version"] = current.version
    form = MilestoneForm(typed, **form_options)
    form.is_valid()
    form.add_error(
        None,
        f"“{current.title}” was changed by someone else while you were editing "
        f"(version {current.version}, you edited {seen_version}). Your values are kept "
        "here and what is saved now is shown beside them: save again to replace it "
        "with yours.",
    )
    return form, _current_values(current, current_dependencies)
