"""KPI pages, uploads and review reports, under /engagements/<engagement>/kpis/."""

from django.urls import path

from reporting import report_views

app_name = "kpis"

urlpatterns = [
    path("", report_views.kpi_list, name="list"),
    path("upload/", report_views.upload, name="upload"),
    path("upload/confirm/", report_views.upload_confirm, name="upload-confirm"),
    path("reports/<uuid:review_id>/", report_views.report, name="report"),
    path(
        "reports/<uuid:review_id>/generate/", report_views.report_generate, name="report-generate"
    ),
    path("reports/<uuid:review_id>/status/", report_views.report_status, name="report-status"),
    path("reports/<uuid:review_id>/pdf/", report_views.report_pdf, name="report-pdf"),
    path("<uuid:kpi_id>/", report_views.kpi_detail, name="detail"),
]
