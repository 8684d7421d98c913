"""A provider lead moves the due date of 12 milestones at once: PMO approves the kickoff gate
meanwhile, so the preview refuses the two kickoff ones with the reason; the lead applies the
change to the other ten and undoes it. Photographed at 1280 and 390 px under
``test-artifacts/bulk/``; at 390 px nothing scrolls sideways."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from audit.models import Event
from engagements.services import start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.e2e.conftest import ARTIFACTS
from tests.world import build_world, pass_gate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.dates]

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
FOLDER = ARTIFACTS / "bulk"


def shoot(page, name: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{name} scrolls {sideways} px sideways at 390 px"
        page.screenshot(path=str(FOLDER / f"{name}-390.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def test_a_provider_lead_moves_twelve_due_dates_sees_two_refused_applies_and_undoes(
    browser, live_server
):
    cache.clear()
    world = build_world("Alpha", day0=timezone.localdate() - datetime.timedelta(days=2))
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        kickoff = list(
            Milestone.objects.filter(phase__kind="kickoff", owner=world.provider_lead).order_by(
                "due_date", "id"
            )[:2]
        )
        if len(kickoff) < 2:
            kickoff = list(Milestone.objects.filter(phase__kind="kickoff").order_by("id")[:2])
        others = list(
            Milestone.objects.exclude(phase__kind="kickoff").order_by("due_date", "id")[:10]
        )
    chosen = kickoff + others
    assert len(chosen) == 12
    before = {m.pk: m.due_date for m in chosen}
    moved_to = timezone.localdate() + datetime.timedelta(days=40)

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(world.provider_lead.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1).first.wait_for()

    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
    page.get_by_role("heading", name=world.engagement.name).wait_for()
    for milestone in chosen:
        page.get_by_role("checkbox", name=f"Select {milestone.title}", exact=True).check()
    page.get_by_text("12 milestones selected").wait_for()
    page.get_by_label("New due date").first.fill(moved_to.isoformat())
    shoot(page, "01-twelve-selected")

    # Meanwhile PMO approves the kickoff gate: its milestones are locked.
    with tenant_context(world.tenant):
        pass_gate(world, "kickoff")

    page.get_by_role("button", name="Preview change").click()
    page.get_by_role("heading", name="Change 12 milestones").wait_for()
    status = page.get_by_role("status").first.inner_text()
    assert "10 will change" in status and "2 refused" in status
    refused = page.locator("tr.bulk-refused")
    assert refused.count() == 2
    for milestone in kickoff:
        row = refused.filter(has_text=milestone.title)
        assert "its gate was approved" in row.inner_text()
    shoot(page, "02-preview-two-refused")

    page.get_by_label("Apply to the allowed ones only").check()
    page.get_by_role("button", name="Apply change").click()
    page.get_by_role("heading", name="Bulk change applied").wait_for()
    assert page.locator("tbody tr").count() == 10
    with tenant_context(world.tenant):
        for milestone in others:
            milestone.refresh_from_db()
            assert milestone.due_date == moved_to
    shoot(page, "03-applied-with-undo")
    done_url = page.url

    # Back on the engagement page, the bar offers to undo it, and leads back to its page.
    page.goto(f"{live_server.url}/engagements/{world.engagement.public_id}/")
    offer = page.get_by_role("link", name="Your last bulk change can still be undone")
    offer.wait_for()
    shoot(page, "03b-engagement-offers-undo")
    offer.click()
    page.get_by_role("heading", name="Bulk change applied").wait_for()
    assert page.url.split("?")[0] == done_url.split("?")[0]

    page.get_by_role("button", name="Undo this change").click()
    page.get_by_role("heading", name="Bulk change undone").wait_for()
    assert page.get_by_role("button", name="Undo this change").count() == 0
    shoot(page, "04-undone")
    with tenant_context(world.tenant):
        for milestone in others:
            milestone.refresh_from_db()
            assert milestone.due_date == before[milestone.pk]
        operations = set(
            Event.objects.filter(object_id__in=[str(m.public_id) for m in others])
            .exclude(operation="milestone.updated")
            .values_list("operation", flat=True)
        )
    assert {"milestone.bulk_changed", "milestone.bulk_undone"} <= operations
    context.close()
