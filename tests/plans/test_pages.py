"""The plan import pages: upload, mapping, preview naming the bad rows, commit, the sample."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from engagements.models import Engagement
from milestones.models import Milestone
from plans.models import PlanUpload
from tests.plans.helpers import as_csv

FACTS = {
    "name": "Imported desk",
    "client_name": "Acme",
    "provider_name": "Beta",
    "contract_signed_on": "2026-03-02",
    "target_go_live": "",
    "time_zone": "UTC",
}


def post_file(client, url, content: bytes, file_name="plan.csv", **data):
    return client.post(url, {**data, "file": SimpleUploadedFile(file_name, content)})


def test_a_pmo_creates_an_engagement_from_the_sample_file(client, world):
    client.force_login(world.pmo)
    page = client.get("/plans/new/")
    assert page.status_code == 200
    assert b"/plans/sample.xlsx" in page.content
    assert b"/plans/new/" in client.get("/engagements/new/").content

    sample = client.get("/plans/sample.xlsx")
    assert sample.status_code == 200
    response = post_file(
        client, "/plans/new/", sample.content, file_name="sample-plan.xlsx", **FACTS
    )
    assert response.status_code == 302
    upload = PlanUpload.objects.get()
    preview = client.get(response["Location"])
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert b"Create the engagement" in preview.content
    assert b"day 14" in preview.content

    done = client.post(f"/plans/uploads/{upload.public_id}/commit/")
    assert done.status_code == 302
    engagement = Engagement.objects.get(name="Imported desk")
    assert done["Location"] == f"/engagements/{engagement.public_id}/"
    assert engagement.milestones.count() == 37  # the contact-centre playbook's
    assert not PlanUpload.objects.exists()


def test_bad_rows_are_named_on_the_page_and_the_form_keeps_the_facts(client, world):
    client.force_login(world.pmo)
    rows = [
        ["Phase", "Milestone", "Owner", "Side", "Due date"],
        ["Kickoff", "Brief", world.pmo.email, "joint", "3"],
        ["Kickoff", "Scope", "nobody@example.com", "joint", "4"],
    ]
    response = post_file(client, "/plans/new/", as_csv(rows), **FACTS)
    preview = client.get(response["Location"])
    assert preview.status_code == 400
    page = preview.content.decode()
    assert "Nothing will be imported" in page
    assert "Unknown owner: nobody with the e-mail nobody@example.com" in page
    assert 'value="Imported desk"' in page  # the facts ride along with the corrected file
    upload = PlanUpload.objects.get()
    refused = client.post(f"/plans/uploads/{upload.public_id}/commit/")
    assert refused.status_code == 302
    assert Engagement.objects.filter(name="Imported desk").count() == 0


def test_the_mapping_is_corrected_on_the_page(client, world):
    client.force_login(world.pmo)
    rows = [
        ["Stage", "Task", "Responsible", "Who", "Due"],
        ["Kickoff", "Brief", world.pmo.email, "joint", "3"],
    ]
    response = post_file(client, "/plans/new/", as_csv(rows), **FACTS)
    page = client.get(response["Location"])
    assert b"Choose the column that holds the side." in page.content
    upload = PlanUpload.objects.get()
    mapping = {"phase": "0", "title": "1", "owner": "2", "side": "3", "due": "4"}
    for key in ("depends_on", "evidence_required", "external_id"):
        mapping[key] = ""
    assert client.post(response["Location"], mapping).status_code == 302
    upload.refresh_from_db()
    assert upload.mapping["side"] == 3
    clash = client.post(response["Location"], {**mapping, "side": "0"})
    assert clash.status_code == 400
    assert b"one field only" in clash.content


def test_a_replan_shows_what_changes_then_changes_it(client, world):
    client.force_login(world.pmo)
    base = f"/engagements/{world.engagement.public_id}"
    export = client.get(f"{base}/exports/plan.csv")
    body = b"".join(export.streaming_content).decode().lstrip("\ufeff")
    lines = body.splitlines()
    first = lines[1].split(",")
    moved = Milestone.objects.get(public_id=first[-1])
    due = moved.due_date.replace(day=min(moved.due_date.day + 1, 28))
    first[4] = due.isoformat()
    lines[1] = ",".join(first)
    assert client.get(f"{base}/plan/import/").status_code == 200
    response = post_file(client, f"{base}/plan/import/", "\n".join(lines).encode())
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert b"1 changed" in preview.content
    assert b"Changed: due" in preview.content
    upload = PlanUpload.objects.get()
    client.post(f"/plans/uploads/{upload.public_id}/commit/")
    moved.refresh_from_db()
    assert moved.due_date == due


def test_someone_elses_upload_is_not_found(client, world):
    client.force_login(world.pmo)
    response = post_file(client, "/plans/new/", as_csv([["phase"], ["Kickoff"]]), **FACTS)
    upload = PlanUpload.objects.get()
    client.force_login(world.admin)
    assert client.get(response["Location"]).status_code == 404
    assert client.post(f"/plans/uploads/{upload.public_id}/commit/").status_code in (302, 404)
    assert PlanUpload.objects.filter(pk=upload.pk).exists()


def test_an_unreadable_file_is_refused_on_the_form(client, world):
    client.force_login(world.pmo)
    response = post_file(client, "/plans/new/", io.BytesIO(b"PK\x03\x04junk").read(), **FACTS)
    assert response.status_code == 400
    assert b"not an Excel workbook" in response.content
    assert b'value="Acme"' in response.content
