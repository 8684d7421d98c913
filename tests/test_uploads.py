"""A file far larger than any form takes is counted as it arrives and never stored, then
refused with its real size, like any file over its limit."""

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

from milestones.models import EvidenceFile
from reporting.models import KpiMeasurement
from tests.reporting.test_imports import csv_file, upload_url
from tests.web.pages import text_of
from tests.web.test_milestone_page import PDF, milestone_titled, page_url, pdf


@pytest.fixture
def stored(monkeypatch):
    """Bytes that reached Django's own handlers (memory or a temporary file)."""
    seen = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def spy(self, raw_data, start, original=original):
            seen["bytes"] += len(raw_data)
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", spy)
    return seen


@pytest.fixture
def small_limits(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    settings.KPI_UPLOAD_MAX_BYTES = 100
    settings.UPLOAD_MAX_BYTES = 1024


def test_an_evidence_file_far_over_the_limit_is_refused_with_its_size_unstored(
    client, world, small_limits, stored
):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)
    big = PDF * 4000  # 140 KB: over the limit and the room for the form's fields

    response = client.post(page_url(milestone, "files/"), {"file": pdf(content=big)})

    assert response.status_code == 400
    assert "“signed-brief.pdf” is 137 KB; files can be at most 1 KB." in text_of(response)
    assert stored["bytes"] == 0
    assert not EvidenceFile.objects.exists()


def test_a_measurement_file_far_over_the_limit_is_refused_with_its_size_unstored(
    client, world, small_limits, stored
):
    client.force_login(world.provider_lead)
    big = csv_file("kpi,date,value\n" + "contact-rate,2026-02-02,31\n" * 4000)

    response = client.post(upload_url(world), {"file": big})

    assert response.status_code == 400
    assert "The file is 105 KB; the limit is 100 bytes. Split it." in text_of(response)
    assert stored["bytes"] == 0
    assert not KpiMeasurement.objects.exists()


def test_a_file_within_the_limits_still_reaches_the_handlers(client, world, stored):
    milestone = milestone_titled("Technical needs confirmed")
    client.force_login(world.provider_lead)

    response = client.post(page_url(milestone, "files/"), {"file": pdf()})

    assert response.status_code in (200, 302)
    assert stored["bytes"] == len(PDF)
    assert EvidenceFile.objects.count() == 1
