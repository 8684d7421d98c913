"""Review pages: the day 14/30/45/60/90 reviews of an engagement, a review's KPI table, the
daily measurement grid, explanations of misses, the day-90 answers, refresh and publish.

Views parse, call a service and show the outcome; every rule is the services'. A refusal is
shown where it happened (the grid cell, the miss, the publish panel): 400 for bad input, 409
for a broken rule; NotAllowed and NotFound are left to the middleware (403, 404).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from engagements.navigation import engagement_trail
from engagements.permissions import can_publish_review, can_work_on_review
from engagements.plan import review_anchor, review_window
from engagements.selectors import get_engagement
from kernel.errors import InvalidInput, ItemsOpen, RuleBroken
from kernel.web import INVALID_STATUS, REFUSED_STATUS, submit
from reporting import measurements, reviews, selectors
from reporting.forms import Day90Form, ExplainMissForm, MeasurementForm
from reporting.models import DAY_90_QUESTIONS, Review, ReviewKpiResult

TEMPLATE = "reporting/review.html"


def review_url(review: Review, anchor: str = "") -> str:
    url = reverse(
        "reporting:review",
        kwargs={"engagement_id": review.engagement.public_id, "review_id": review.public_id},
    )
    return f"{url}#{anchor}" if anchor else url


def _breadcrumbs(engagement, *trail) -> list:
    reviews_url = reverse("reporting:list", kwargs={"engagement_id": engagement.public_id})
    return engagement_trail(engagement, ("Reviews", reviews_url), *trail)


def _explain_form(result: ReviewKpiResult, members, data=None) -> ExplainMissForm:
    return ExplainMissForm(
        data,
        members=members,
        auto_id=f"miss-{result.public_id}-%s",
        initial={
            "root_cause": result.root_cause,
            "corrective_action": result.corrective_action,
            "action_owner": str(result.action_owner.public_id) if result.action_owner else "",
            "action_due": result.action_due,
        },
    )


def _day_90_form(review: Review, kpis, data=None) -> Day90Form:
    initial = {field: getattr(review, field) for field in DAY_90_QUESTIONS}
    for forward in review.forward_targets.all():
        initial[Day90Form.target_field(forward.kpi)] = forward.target.normalize()
    return Day90Form(data, kpis=kpis, initial=initial, auto_id="day90-%s")


EARLIEST_GRID_DAY = datetime.date(1900, 1, 1)


def _grid_until(request: HttpRequest, review: Review) -> datetime.date:
    """The last day the grid shows: ``?until=`` when it is a real date, else the window's end
    (or today, while the window is still running)."""
    try:
        asked = parse_date(request.GET.get("until") or "") if request.method == "GET" else None
    except ValueError:  # well formed but not a day, like 2026-02-30
        asked = None
    if asked is not None and asked >= EARLIEST_GRID_DAY:
        return asked
    _start, end = review_window(review=review)
    return min(end, review.engagement.today())


def _review_context(request: HttpRequest, review: Review, **extra) -> dict:
    engagement = review.engagement
    window = review_window(review=review)
    published = review.status == Review.Status.PUBLISHED
    may_work = not published and can_work_on_review(user=request.user, review=review)
    may_publish = not published and can_publish_review(user=request.user, review=review)
    results = list(review.results.all())
    misses = [result for result in results if result.outcome == ReviewKpiResult.Outcome.MISSED]
    members = selectors.seated_people(engagement=engagement) if may_work and misses else []
    bound = extra.pop("explain_forms", {})
    for result in misses:
        result.form = bound.get(result.pk) or (_explain_form(result, members) if may_work else None)
    kpis = selectors.kpis_of(engagement=engagement) if review.day == 90 else []
    context = {
        "review": review,
        "engagement": engagement,
        "window_start": window[0],
        "window_end": window[1],
        "results": results,
        "misses": misses,
        "published": published,
        "may_work": may_work,
        "may_publish": may_publish,
        "publish_needs_reason": (
            reviews.publish_needs_reason(review=review, results=results) if may_publish else []
        ),
        "no_data": [r for r in results if r.outcome == ReviewKpiResult.Outcome.NO_DATA],
        "met_count": sum(1 for r in results if r.outcome == ReviewKpiResult.Outcome.MET),
        "measured_count": sum(1 for r in results if r.outcome != ReviewKpiResult.Outcome.NO_DATA),
        "report_url": (
            reverse(
                "kpis:report",
                kwargs={"engagement_id": engagement.public_id, "review_id": review.public_id},
            )
            if published
            else ""
        ),
        "grid": (
            selectors.measurement_grid(
                engagement=engagement, until=_grid_until(request, review), window=window
            )
            if may_work
            else None
        ),
        "day_90_form": _day_90_form(review, kpis) if review.day == 90 else None,
        "day_90_targets": {forward.kpi_id: forward for forward in review.forward_targets.all()},
        "nav_section": "portfolio",
        "breadcrumbs": _breadcrumbs(engagement, (str(review), None)),
    }
    context.update(extra)
    return context


def _render_review(
    request: HttpRequest, review: Review, *, status: int = 200, fragment: str = "", **extra
) -> HttpResponse:
    template = f"{TEMPLATE}#{fragment}" if fragment else TEMPLATE
    return render(request, template, _review_context(request, review, **extra), status=status)


def _reloaded(request: HttpRequest, engagement_id, review_id) -> Review:
    return selectors.review_page(
        actor=request.user, engagement_id=engagement_id, review_id=review_id
    )


# --- Pages -------------------------------------------------------------------------------------


@login_required
@require_GET
def review_list(request: HttpRequest, engagement_id) -> HttpResponse:
    engagement = get_engagement(actor=request.user, public_id=engagement_id)
    return render(
        request,
        "reporting/review_list.html",
        {
            "engagement": engagement,
            "reviews": selectors.reviews_of_engagement(actor=request.user, engagement=engagement),
            "anchor": review_anchor(engagement=engagement),
            "nav_section": "portfolio",
            "breadcrumbs": engagement_trail(engagement, ("Reviews", None)),
        },
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_detail(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    review = _reloaded(request, engagement_id, review_id)
    if request.htmx:
        # The grid's earlier/later links replace only the grid.
        return _render_review(request, review, fragment="measurement-grid")
    return _render_review(request, review)


# --- Daily measurements (htmx: the cell updates in place) ----------------------------------------


@login_required
@require_POST
def measure(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    review = _reloaded(request, engagement_id, review_id)
    form = MeasurementForm(request.POST)
    if not form.is_valid() and ("kpi" in form.errors or "measured_on" in form.errors):
        return _render_review(
            request, review, status=INVALID_STATUS, cell_refusal="Choose a KPI and a day."
        )
    kpi = selectors.kpi_of(engagement=review.engagement, kpi_id=form.cleaned_data["kpi"])
    day = form.cleaned_data["measured_on"]
    window = review_window(review=review)
    outcome = submit(
        request,
        form,
        lambda data: measurements.record_measurement(
            actor=request.user, kpi=kpi, measured_on=day, value=data["value"]
        ),
    )
    status, error = outcome.status, ""
    if not outcome.done:
        # The cell says the refusal in one line: the service's message, or the value's errors.
        error = outcome.refused.message if outcome.refused else " ".join(form.errors["value"])
    cell = selectors.measurement_cell(kpi=kpi, day=day, window=window)
    cell.error, cell.saved = error, not error
    cell.typed = request.POST.get("value", "") if error else ""
    if request.htmx:
        return _render_review(request, review, status=status, fragment="measure-cell", cell=cell)
    if error:
        return _render_review(
            request, review, status=status, cell_refusal=f"{kpi.name} on {day:%d %b}: {error}"
        )
    messages.success(request, f"{kpi.name} on {day:%d %b %Y} recorded.")
    return redirect(review_url(review, "measurements"))


# --- Misses, day-90 answers, refresh and publish ------------------------------------------------


@login_required
@require_POST
def explain_miss(request: HttpRequest, engagement_id, review_id, result_id) -> HttpResponse:
    review = _reloaded(request, engagement_id, review_id)
    result = selectors.result_of_review(review=review, result_id=result_id)
    members = selectors.seated_people(engagement=review.engagement)
    form = _explain_form(result, members, request.POST)
    status = submit(
        request, form, lambda data: reviews.explain_miss(actor=request.user, result=result, **data)
    ).status
    review = _reloaded(request, engagement_id, review_id)
    explain_forms = {result.pk: form} if status != 200 else {}
    if request.htmx:
        fresh = next(r for r in review.results.all() if r.pk == result.pk)
        context = _review_context(request, review, explain_forms=explain_forms)
        fresh.form = explain_forms.get(result.pk) or _explain_form(fresh, members)
        fresh.saved = status == 200
        context["result"] = fresh
        return render(request, f"{TEMPLATE}#miss", context, status=status)
    if status != 200:
        return _render_review(request, review, status=status, explain_forms=explain_forms)
    messages.success(request, f"The miss of {result.kpi.name} is explained.")
    return redirect(review_url(review, f"miss-{result.public_id}"))


@login_required
@require_POST
def answer_day_90(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    review = _reloaded(request, engagement_id, review_id)
    kpis = selectors.kpis_of(engagement=review.engagement)
    form = _day_90_form(review, kpis, request.POST)
    try:
        # Bad input lands on the form; a broken rule (the review was published) on the panel.
        outcome = submit(
            request,
            form,
            lambda _data: reviews.answer_day_90(
                actor=request.user,
                review=review,
                answers=form.answers(),
                forward_targets=form.forward_targets(),
            ),
            refusals=(InvalidInput,),
        )
    except RuleBroken as refused:
        return _render_review(request, review, status=REFUSED_STATUS, panel_error=refused.message)
    if not outcome.done:
        return _render_review(request, review, status=outcome.status, day_90_form=form)
    messages.success(request, "The day-90 answers and the targets for days 91-180 are saved.")
    return redirect(review_url(review, "day-90"))


@login_required
@require_POST
def refresh(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    review = _reloaded(request, engagement_id, review_id)
    try:
        results = reviews.refresh_review(actor=request.user, review=review)
    except RuleBroken as refused:
        return _render_review(request, review, status=REFUSED_STATUS, panel_error=refused.message)
    met = sum(1 for result in results if result.outcome == ReviewKpiResult.Outcome.MET)
    no_data = sum(1 for result in results if result.outcome == ReviewKpiResult.Outcome.NO_DATA)
    measured = len(results) - no_data
    messages.success(
        request,
        f"Results refreshed: {met} of {measured} KPIs with data on target over the window"
        + (f"; {no_data} with no data." if no_data else "."),
    )
    return redirect(review_url(review, "results"))


@login_required
@require_POST
def publish(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    review = _reloaded(request, engagement_id, review_id)
    reason = request.POST.get("reason", "")
    try:
        reviews.publish_review(actor=request.user, review=review, reason=reason)
    except ItemsOpen as refused:
        return _render_review(
            request,
            _reloaded(request, engagement_id, review_id),
            status=REFUSED_STATUS,
            publish_refusal=refused.headline,
            publish_items=refused.items,
            typed_reason=reason,
        )
    except InvalidInput as refused:
        return _render_review(
            request,
            review,
            status=INVALID_STATUS,
            reason_errors=refused.errors.get("reason", [refused.message]),
            typed_reason=reason,
        )
    except RuleBroken as refused:
        return _render_review(request, review, status=REFUSED_STATUS, panel_error=refused.message)
    messages.success(request, f"The {review} is published.")
    return redirect(review_url(review))
