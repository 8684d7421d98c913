"""KPI pages, measurement uploads and review reports.

Every object comes from a selector that scopes it to the active tenant and to the engagements
the person may see: anything else is NotFound, a 404 exactly like a missing object. Writes go
through the services (``reporting.measurements``, ``reporting.reports``); a refusal shows
beside the form that asked.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.models import Engagement
from engagements.navigation import Crumb, engagement_trail
from engagements.permissions import can_edit, can_work_on_review, require
from kernel.errors import NotFound, RuleBroken
from kernel.web import submit
from reporting import charts
from reporting import kpi_selectors as selectors
from reporting.imports import (
    Preview,
    UnreadableFile,
    as_payload,
    check_rows,
    from_payload,
    read_measurement_file,
)
from reporting.kpi_forms import ConfirmImportForm, MeasurementFileForm
from reporting.measurements import ImportRejected, import_measurements
from reporting.models import Kpi, KpiMeasurement, Review
from reporting.reports import build_report, report_in_flight, request_review_report
from reporting.views import review_url

PREVIEW_ROWS_SHOWN = 500


def _kpis_trail(engagement: Engagement, *trail: Crumb) -> list[Crumb]:
    """The trail of a page under the engagement's KPIs."""
    kpis_url = reverse("kpis:list", kwargs={"engagement_id": engagement.public_id})
    return engagement_trail(engagement, ("KPIs", kpis_url), *trail)


@login_required
def kpi_list(request: HttpRequest, engagement_id) -> HttpResponse:
    """Every KPI of the engagement with its latest week, the open drift alerts, the upload
    form and the review reports."""
    engagement = selectors.get_visible_engagement(actor=request.user, engagement_id=engagement_id)
    kpis = list(selectors.kpis_of_engagement(engagement=engagement))
    means = selectors.weekly_means(kpis=kpis)
    today = engagement.today()
    rows = []
    for kpi in kpis:
        kpi.engagement = engagement
        trend = selectors.trend_of(kpi, means.get(kpi.pk, []), today=today)
        rows.append({"kpi": kpi, "latest": selectors.standing_of(trend)})
    return render(
        request,
        "reporting/kpis/list.html",
        {
            "engagement": engagement,
            "rows": rows,
            "open_alerts": [alert for kpi in kpis for alert in kpi.open_alerts],
            "reviews": list(selectors.published_reviews_with_reports(engagement=engagement)),
            "upload_form": MeasurementFileForm(),
            "may_upload": can_edit(user=request.user, engagement=engagement),
            "breadcrumbs": engagement_trail(engagement, ("KPIs", None)),
        },
    )


@login_required
def kpi_detail(request: HttpRequest, engagement_id, kpi_id) -> HttpResponse:
    """One KPI: its chart against the target, its weekly trend and its drift alerts."""
    kpi = selectors.get_kpi(actor=request.user, engagement_id=engagement_id, kpi_id=kpi_id)
    engagement = kpi.engagement
    measurements = selectors.measurements_until(kpi=kpi)
    trend = selectors.trend_of(
        kpi, selectors.weekly_means(kpis=[kpi]).get(kpi.pk, []), today=engagement.today()
    )
    return render(
        request,
        "reporting/kpis/detail.html",
        {
            "engagement": engagement,
            "kpi": kpi,
            "trend": list(reversed(trend)),
            "chart": charts.kpi_chart(kpi, measurements, trend),
            "trend_chart": charts.trend_chart(kpi, trend),
            "alerts": list(selectors.drift_alerts_of(kpi=kpi)),
            "recent": [(m, kpi.is_met_by(m.value)) for m in reversed(measurements[-14:])],
            "breadcrumbs": _kpis_trail(engagement, (kpi.name, None)),
        },
    )


def _preview_page(
    request: HttpRequest,
    engagement: Engagement,
    preview: Preview,
    *,
    file_name: str,
    status: int,
) -> HttpResponse:
    kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(engagement=engagement)}
    earlier = {}
    if preview.rows:
        earlier = {
            (m.kpi_id, m.measured_on): m.value
            for m in KpiMeasurement.objects.filter(
                kpi__in=kpis.values(),
                measured_on__range=(
                    min(row.measured_on for row in preview.rows),
                    max(row.measured_on for row in preview.rows),
                ),
            ).only("kpi_id", "measured_on", "value")
        }
    lines = []
    for row in preview.rows:
        kpi = kpis.get(row.kpi_key)
        replaced = earlier.get((kpi.pk, row.measured_on)) if kpi else None
        lines.append({"row": row, "kpi": kpi, "replaces": replaced})
    confirm = None
    if preview.ok:
        confirm = ConfirmImportForm(
            initial={
                "rows": ConfirmImportForm.sign(
                    engagement_id=str(engagement.public_id), payload=as_payload(preview.rows)
                )
            },
            engagement_id=str(engagement.public_id),
        )
    return render(
        request,
        "reporting/kpis/preview.html",
        {
            "engagement": engagement,
            "preview": preview,
            "lines": lines[:PREVIEW_ROWS_SHOWN],
            "hidden_rows": max(len(lines) - PREVIEW_ROWS_SHOWN, 0),
            "replacing": sum(
                1
                for line in lines
                if line["replaces"] is not None and line["replaces"] != line["row"].value
            ),
            "confirm_form": confirm,
            "file_name": file_name,
            "upload_form": MeasurementFileForm(),
            "breadcrumbs": _kpis_trail(engagement, ("Upload preview", None)),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, engagement_id) -> HttpResponse:
    """GET: the upload form. POST: read the file and preview it; nothing is written yet."""
    engagement = selectors.get_visible_engagement(actor=request.user, engagement_id=engagement_id)
    require(
        can_edit(user=request.user, engagement=engagement),
        "Only members of this engagement who are not viewers can upload measurements.",
    )
    context = {
        "engagement": engagement,
        "kpis": list(Kpi.objects.filter(engagement=engagement).order_by("name")),
        "today": engagement.today(),
        "breadcrumbs": _kpis_trail(engagement, ("Upload measurements", None)),
    }
    if request.method == "GET":
        return render(
            request, "reporting/kpis/upload.html", {**context, "form": MeasurementFileForm()}
        )
    form = MeasurementFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            raw_rows = read_measurement_file(name=upload_file.name, content=upload_file.read())
        except UnreadableFile as unreadable:
            form.add_error("file", str(unreadable))
        else:
            preview = check_rows(
                raw_rows, kpi_keys=[kpi.key for kpi in context["kpis"]], today=context["today"]
            )
            if not preview.rows and not preview.errors:
                form.add_error("file", "The file has a header row but no measurements.")
            else:
                return _preview_page(
                    request,
                    engagement,
                    preview,
                    file_name=upload_file.name,
                    status=200 if preview.ok else 400,
                )
    return render(request, "reporting/kpis/upload.html", {**context, "form": form}, status=400)


@login_required
@require_POST
def upload_confirm(request: HttpRequest, engagement_id) -> HttpResponse:
    """Write the previewed rows, all in one transaction, or none of them."""
    engagement = selectors.get_visible_engagement(actor=request.user, engagement_id=engagement_id)
    form = ConfirmImportForm(request.POST, engagement_id=str(engagement.public_id))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("rows", ["Upload the file again."])))
        return redirect("kpis:upload", engagement_id=engagement.public_id)
    rows = from_payload(form.cleaned_data["rows"])
    outcome = submit(
        request,
        form,
        lambda _data: import_measurements(actor=request.user, engagement=engagement, rows=rows),
        refusals=(ImportRejected,),
    )
    if not outcome.done:
        # Something changed since the preview (a KPI, the date): show the rows again.
        preview = check_rows(
            rows,
            kpi_keys=Kpi.objects.filter(engagement=engagement).values_list("key", flat=True),
            today=engagement.today(),
        )
        messages.error(request, outcome.refused.message)
        return _preview_page(request, engagement, preview, file_name="", status=400)
    result = outcome.value
    messages.success(
        request,
        f"Imported {result.total} measurement{'s' if result.total != 1 else ''}: "
        f"{result.created} new, {result.replaced} replaced, {result.unchanged} unchanged.",
    )
    return redirect("kpis:list", engagement_id=engagement.public_id)


# --- Review reports ---------------------------------------------------------------------------


def _published_review(request: HttpRequest, engagement_id, review_id) -> Review:
    review = selectors.get_review_for_report(
        actor=request.user, engagement_id=engagement_id, review_id=review_id
    )
    if review.status != Review.Status.PUBLISHED:
        raise RuleBroken(
            f"The {review} is not published yet: its report appears once PMO publishes it."
        )
    return review


def _pdf_status(request: HttpRequest, review: Review) -> dict:
    return {
        "engagement": review.engagement,
        "review": review,
        "stored": selectors.stored_report(review=review),
        "rendering": report_in_flight(review=review),
        "may_generate": can_work_on_review(user=request.user, review=review),
    }


@login_required
def report(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    """A published review's report as a page, with its PDF (rendered once by a worker, then
    kept) and the state of that rendering."""
    review = _published_review(request, engagement_id, review_id)
    engagement = review.engagement
    reviews_url = reverse("reporting:list", kwargs={"engagement_id": engagement.public_id})
    return render(
        request,
        "reporting/reports/page.html",
        {
            **_pdf_status(request, review),
            "document": build_report(
                review=review, baseline_name=request.GET.get("baseline") or None
            ),
            "breadcrumbs": engagement_trail(
                engagement,
                ("Reviews", reviews_url),
                (str(review), review_url(review)),
                ("Report", None),
            ),
        },
    )


@login_required
@require_GET
def report_status(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    """The PDF's state alone: what the report page polls while a worker renders it."""
    review = _published_review(request, engagement_id, review_id)
    return render(
        request, "reporting/reports/partials/pdf_status.html", _pdf_status(request, review)
    )


@login_required
@require_POST
def report_generate(request: HttpRequest, engagement_id, review_id) -> HttpResponse:
    """Ask a worker for the PDF; asking twice while it renders shows the same progress."""
    review = _published_review(request, engagement_id, review_id)
    review = request_review_report(actor=request.user, review=review)
    if request.htmx:
        return render(
            request, "reporting/reports/partials/pdf_status.html", _pdf_status(request, review)
        )
    return redirect(
        "kpis:report", engagement_id=review.engagement.public_id, review_id=review.public_id
    )


@login_required
def report_pdf(request: HttpRequest, engagement_id, review_id) -> FileResponse:
    """The stored PDF, only to someone who may see the engagement (404 for anyone else)."""
    review = selectors.get_review_for_report(
        actor=request.user, engagement_id=engagement_id, review_id=review_id
    )
    stored = selectors.stored_report(review=review)
    if stored is None:
        raise NotFound("No PDF has been generated for this review.")
    response = FileResponse(
        stored.file.open("rb"),
        content_type="application/pdf",
        filename=f"{slugify(review.engagement.name)}-day-{review.day}-review.pdf",
    )
    response["X-Content-SHA256"] = stored.sha256
    response["Cache-Control"] = "private, no-store"
    return response
