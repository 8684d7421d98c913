"""Over the API as in the browser, an attached file is evidence enough to close a milestone."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from kernel.tenancy import tenant_context
from milestones.evidence import attach_evidence_file
from milestones.models import Milestone


@pytest.fixture(autouse=True)
def scratch_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_done_over_the_api_with_only_a_file_attached(api, home):
    with tenant_context(home.tenant):
        session = Milestone.objects.get(playbook_key="kickoff-session")
    url = f"/api/v1/milestones/{session.public_id}/"

    refused = api.patch(url, {"status": "done"}, token=home.tokens["pmo"])
    assert refused.status_code == 400
    assert "evidence" in refused.json()["errors"]

    with tenant_context(home.tenant):
        attach_evidence_file(
            actor=home.world.pmo,
            milestone=session,
            upload=ContentFile(b"%PDF-1.4 minutes", name="minutes.pdf"),
        )
    done = api.patch(url, {"status": "done"}, token=home.tokens["pmo"])
    assert done.status_code == 200
    assert done.json()["status"] == "done"
