"""Routes of the KPI pages, measurement uploads and review reports (issue 10)."""

import datetime

from reporting.imports import RawRow
from reporting.measurements import import_measurements
from reporting.models import DriftAlert, Kpi, Review, ReviewKpiResult
from reporting.reports import generate_review_report
from reporting.reviews import explain_miss, publish_review, refresh_review
from tests.routes import populates, route


def _kpis(world) -> str:
    return f"/engagements/{world.engagement.public_id}/kpis/"


def _published_review(world) -> Review:
    """The engagement's published review ("published" sorts before "scheduled"); an engagement
    the populator did not reach offers its first review, as good for a 404."""
    return Review.objects.filter(engagement=world.engagement).order_by("status", "day").first()


@route("kpis:list", engagement_scoped=True)
def kpi_overview(world):
    return _kpis(world)


@route("kpis:detail", engagement_scoped=True)
def kpi_page(world):
    kpi = Kpi.objects.filter(engagement=world.engagement).order_by("pk").first()
    return f"{_kpis(world)}{kpi.public_id}/"


@route("kpis:upload", engagement_scoped=True)
def upload_form(world):
    return f"{_kpis(world)}upload/"


@route("kpis:upload-confirm", engagement_scoped=True, method="post")
def upload_confirm(world):
    return f"{_kpis(world)}upload/confirm/"


@route("kpis:report", engagement_scoped=True)
def report_page(world):
    return f"{_kpis(world)}reports/{_published_review(world).public_id}/"


@route("kpis:report-generate", engagement_scoped=True, method="post")
def report_generate(world):
    return f"{_kpis(world)}reports/{_published_review(world).public_id}/generate/"


@route("kpis:report-status", engagement_scoped=True)
def report_status(world):
    return f"{_kpis(world)}reports/{_published_review(world).public_id}/status/"


@route("kpis:report-pdf", engagement_scoped=True)
def report_pdf(world):
    return f"{_kpis(world)}reports/{_published_review(world).public_id}/pdf/"


@populates
def a_drift_alert_and_a_published_review_with_its_report(world):
    """Three weeks of contact rate below target (a drift alert), then the day-14 review
    explained, published and its PDF stored."""
    day0 = world.engagement.contract_signed_on
    rows = [
        RawRow(n + 2, "contact-rate", (day0 + datetime.timedelta(days=n)).isoformat(), "21")
        for n in range(1, 22)
    ]
    import_measurements(actor=world.provider_lead, engagement=world.engagement, rows=rows)
    assert DriftAlert.objects.filter(kpi__engagement=world.engagement).exists()
    review = Review.objects.get(engagement=world.engagement, day=14)
    refresh_review(actor=world.pmo, review=review)
    for result in ReviewKpiResult.objects.filter(review=review, outcome="missed"):
        explain_miss(
            actor=world.provider_lead,
            result=result,
            root_cause="Dialer paced too slowly",
            corrective_action="Pacing raised",
            action_owner=world.provider_lead,
            action_due=review.scheduled_on,
        )
    publish_review(actor=world.pmo, review=review, reason="Only contact rate is measured so far")
    generate_review_report(actor=world.pmo, review=review)
