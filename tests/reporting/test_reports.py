"""Review reports: made from a published review, as a page and as a PDF stored once."""

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from pypdf import PdfReader

from audit.models import Event
from kernel.errors import NotFound, RuleBroken
from kernel.tenancy import tenant_context
from reporting.models import Kpi, Review, ReviewReport
from reporting.reports import (
    build_report,
    generate_review_report,
    render_report_body,
    render_review_pdf,
)
from reporting.reviews import answer_day_90, explain_miss, publish_review, refresh_review
from reporting.tasks import render_review_report
from tests.reporting.story import measure_first_days, publish_day_30
from tests.world import add_engagement


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def shown(value: Decimal, kpi: Kpi) -> str:
    """A value as the report prints it: two decimals at most, trailing zeros dropped."""
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text}%" if kpi.unit == "%" else f"{text} {kpi.unit}"


@pytest.fixture
def day_30(world):
    measure_first_days(world)
    return publish_day_30(world)


def report_url(world, review, tail=""):
    return f"/engagements/{world.engagement.public_id}/kpis/reports/{review.public_id}/{tail}"


def test_the_day_30_pdf_holds_every_kpi_its_target_and_its_actual(world, day_30):
    report = generate_review_report(actor=world.pmo, review=day_30)

    content = default_storage.open(report.file.name).read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == report.sha256 and report.size == len(content)
    text = pdf_text(content)
    assert "30-day baseline report" in text
    results = {result.kpi.key: result for result in day_30.results.select_related("kpi")}
    assert len(results) == 5
    for result in results.values():
        kpi = result.kpi
        sign = "≥" if kpi.direction == "higher" else "≤"
        assert kpi.name in text, kpi.name
        assert f"{sign} {shown(kpi.target, kpi)}" in text, kpi.name
        assert shown(result.value, kpi) in text, kpi.name
    # Misses with their root cause and fix, the bottleneck and the plan for days 31-60.
    assert "Leads were called 40 minutes after they arrived" in text
    assert "Main bottleneck: Contact rate" in text
    assert "The plan for days 31\u201360" in text
    # The tenant and the engagement on every page, numbered pages, a table of contents.
    reader = PdfReader(io.BytesIO(content))
    pages = len(reader.pages)
    assert pages >= 3
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert "Alpha · Alpha care desk" in page_text
        assert f"Page {number} of {pages}" in page_text
    assert "Contents" in text and "Every KPI against its target" in text
    assert reader.metadata.title == "30-day baseline report · Alpha care desk"


def test_generating_again_returns_the_stored_pdf_unchanged(world, day_30):
    first = generate_review_report(actor=world.pmo, review=day_30)
    stored = default_storage.open(first.file.name).read()
    # Later data cannot change the document leadership received.
    from reporting.measurements import import_measurements
    from tests.reporting.story import measurement_rows

    import_measurements(
        actor=world.provider_lead,
        engagement=world.engagement,
        rows=measurement_rows(day0=world.engagement.contract_signed_on, days=range(91, 95)),
    )
    again = generate_review_report(actor=world.client_lead, review=day_30)

    assert again.pk == first.pk and again.file.name == first.file.name
    assert default_storage.open(again.file.name).read() == stored
    assert again.sha256 == hashlib.sha256(stored).hexdigest()
    assert again.generated_by == world.pmo
    assert ReviewReport.objects.count() == 1
    assert Event.objects.filter(operation="review.report_generated").count() == 1


def test_an_unpublished_review_has_no_report(world, client):
    review = Review.objects.get(day=30)
    with pytest.raises(RuleBroken, match="not published"):
        generate_review_report(actor=world.pmo, review=review)
    assert not ReviewReport.objects.exists()
    client.force_login(world.pmo)
    page = client.get(report_url(world, review))
    assert page.status_code == 409
    assert b"not published yet" in page.content
    assert client.post(report_url(world, review, "generate/")).status_code == 409
    assert not ReviewReport.objects.exists()


def test_the_report_page_and_its_pdf_download(
    world, day_30, client, django_capture_on_commit_callbacks
):
    client.force_login(world.provider_lead)
    page = client.get(report_url(world, day_30))
    assert page.status_code == 200
    body = page.content.decode()
    assert "30-day baseline report" in body and "Generate the PDF" in body
    # Two charts per KPI, inline, each in a wide and a phone size.
    assert body.count('class="pygal-chart kpi-chart') == 20
    assert client.get(report_url(world, day_30, "pdf/")).status_code == 404  # not made yet

    # Generating hands the PDF to a worker and answers at once, showing its progress; a
    # second click while it renders starts nothing more and shows the same progress.
    with django_capture_on_commit_callbacks(execute=False) as sent:
        asked = client.post(report_url(world, day_30, "generate/"), follow=True)
        again = client.post(report_url(world, day_30, "generate/"), headers={"HX-Request": "true"})
    assert "Rendering the PDF" in asked.content.decode()
    assert 'hx-trigger="every 2s"' in asked.content.decode()
    assert "Rendering the PDF" in again.content.decode() and "<html" not in again.content.decode()
    assert len(sent) == 1
    assert not ReviewReport.objects.exists()
    status = client.get(report_url(world, day_30, "status/")).content.decode()
    assert "Rendering the PDF" in status

    render_review_report(
        review_id=day_30.pk, actor_id=world.provider_lead.pk, tenant_id=world.tenant.pk
    )

    status = client.get(report_url(world, day_30, "status/")).content.decode()
    assert "Download the PDF" in status and "every 2s" not in status
    assert ReviewReport.objects.count() == 1

    download = client.get(report_url(world, day_30, "pdf/"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == download["X-Content-SHA256"]
    assert content == default_storage.open(ReviewReport.objects.get().file.name).read()


def test_the_pdf_is_only_for_people_who_see_the_engagement(world, other_world, day_30, client):
    generate_review_report(actor=world.pmo, review=day_30)
    url = report_url(world, day_30, "pdf/")

    client.force_login(world.bystander)  # in the tenant, not on the engagement
    assert client.get(url).status_code == 404
    assert client.get(report_url(world, day_30)).status_code == 404
    assert client.post(report_url(world, day_30, "generate/")).status_code == 404

    client.force_login(other_world.pmo)  # another tenant's PMO
    assert client.get(url).status_code == 404

    client.force_login(world.pmo)  # the review under another engagement's address
    second = add_engagement(world, name="Second desk")
    elsewhere = f"/engagements/{second.public_id}/kpis/reports/{day_30.public_id}/pdf/"
    assert client.get(elsewhere).status_code == 404
    assert client.get(url).status_code == 200


def test_outsiders_cannot_generate_through_the_service(world, other_world, day_30):
    with pytest.raises(NotFound):
        generate_review_report(actor=world.bystander, review=day_30)
    with tenant_context(other_world.tenant), pytest.raises(NotFound):
        generate_review_report(actor=other_world.pmo, review=day_30)
    assert not ReviewReport.objects.exists()


def explain_and_publish(world, review: Review) -> Review:
    refresh_review(actor=world.pmo, review=review)
    for result in review.results.filter(outcome="missed"):
        explain_miss(
            actor=world.provider_lead,
            result=result,
            root_cause="Closer availability",
            corrective_action="Closer rota aligned with calling hours",
            action_owner=world.client_lead,
            action_due=review.scheduled_on + datetime.timedelta(days=10),
        )
    return publish_review(actor=world.pmo, review=review)


def test_the_day_60_report_says_what_moved_and_whether_to_scale(world, day_30):
    day_60 = explain_and_publish(world, Review.objects.get(day=60))
    html = render_report_body(document=build_report(review=day_60), for_pdf=False)

    assert "The bottleneck found at day 30" in html
    assert "<strong>Contact rate</strong> was the furthest from its target" in html
    assert "Speed-to-lead automation on every source" in html  # the fix made
    contact = next(m for m in build_report(review=day_60).movements if m.kpi.key == "contact-rate")
    assert contact.verdict == "better" and contact.outcome == "met"
    assert "Ready to scale?" in html and "<strong>Yes.</strong>" in html


def test_the_day_90_report_answers_the_four_questions_and_sets_targets(world, day_30):
    day_90 = Review.objects.get(day=90)
    contact = Kpi.objects.get(key="contact-rate")
    answer_day_90(
        actor=world.pmo,
        review=day_90,
        answers={
            "target_standing": "Every KPI on target since day 45.",
            "misses_understood": "Contact rate: speed to lead fixed on day 31.",
            "lessons_learned": "Web leads qualify twice as often as list leads.",
            "next_period_changes": "Add a second campaign type for renewals.",
        },
        forward_targets={kpi: kpi.target + 1 for kpi in Kpi.objects.all()},
    )
    day_90 = explain_and_publish(world, day_90)
    html = render_report_body(document=build_report(review=day_90), for_pdf=False)

    assert "90-day summary and forward plan" in html
    for answer in ("Every KPI on target since day 45.", "Add a second campaign type for renewals."):
        assert answer in html
    assert "Targets for days 91\u2013180" in html
    assert f"≥ {shown(contact.target + 1, contact)}" in html


def test_a_failed_render_says_so_and_can_be_asked_again(world, day_30, client, monkeypatch):
    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("reporting.reports.render_review_pdf", broken)
    client.force_login(world.pmo)
    client.post(report_url(world, day_30, "generate/"))
    render_review_report(review_id=day_30.pk, actor_id=world.pmo.pk, tenant_id=world.tenant.pk)

    status = client.get(report_url(world, day_30, "status/")).content.decode()
    assert "could not be rendered" in status and "disk full" not in status
    assert "Generate the PDF" in status


def test_the_pdf_of_an_early_review_with_no_data_says_so_and_why(world):
    """A PDF cannot claim what its data does not show: no "0 of 5", no miss for a KPI that
    had no data, and PMO's override printed."""
    review = Review.objects.get(day=14)
    start = review.scheduled_on - datetime.timedelta(days=review.window_days - 1)
    contact = Kpi.objects.get(key="contact-rate")
    from reporting.measurements import record_measurement

    record_measurement(
        actor=world.provider_lead, kpi=contact, measured_on=start, value=contact.target + 2
    )
    with time_machine.travel(datetime.datetime.combine(review.scheduled_on, datetime.time(9))):
        review = publish_review(actor=world.pmo, review=review, reason="The board meets on day 14.")
    text = " ".join(pdf_text(render_review_pdf(review=review)).split())

    assert "1 of 1 KPI with data on target" in text
    assert "0 of 5" not in text
    assert "4 KPIs had no data in the window, so they are neither met nor missed" in text
    assert f"Published before its window closed ({review.scheduled_on:%-d %b %Y})" in text
    assert "PMO's reason: The board meets on day 14." in text
    assert "Below target:" not in text and "Missed" not in text


def test_a_day_30_report_without_data_claims_no_result(world):
    review = Review.objects.get(day=30)
    review = publish_review(actor=world.pmo, review=review, reason="Feeds not connected yet.")
    body = " ".join(render_report_body(document=build_report(review=review), for_pdf=False).split())

    assert "No KPI had data in this window" in body
    assert "of 0 KPI" not in body
    assert "Every KPI is on target" not in body
    assert "Every KPI met its target" not in body
    assert "there is no baseline for them yet" in body
