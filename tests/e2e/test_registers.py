"""The RAID register and the escalation page in a real browser, on a laptop and a phone."""

import datetime

import pytest

from kernel.tenancy import tenant_context
from milestones.models import Milestone
from registers.decision_rights import create_decision_right
from registers.models import RaidItem
from registers.services import create_raid_item
from tests.registers.support import agree_escalation_path
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.dates]

SIZES = (("desktop", "page"), ("phone", "phone_page"))


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


@pytest.fixture
def register():
    """An engagement with a register that shows every kind, and a one-level path."""
    world = build_world("Alpha")
    today = datetime.date.today()
    with tenant_context(world.tenant):
        certification = Milestone.objects.filter(engagement=world.engagement).first()

        def add(kind, title, owner, days, **fields):
            create_raid_item(
                actor=world.pmo,
                engagement=world.engagement,
                kind=kind,
                title=title,
                owner=owner,
                due_date=today + datetime.timedelta(days=days),
                **fields,
            )

        add(
            "risk",
            "Agents not certified before go-live",
            world.provider_lead,
            12,
            probability=4,
            impact=5,
            milestones=[certification],
            response="Second trainer booked",
        )
        add(
            "risk",
            "Access approvals slower than planned",
            world.client_lead,
            5,
            probability=4,
            impact=5,
        )
        add(
            "risk",
            "Reporting feed untested with real data",
            world.provider_lead,
            20,
            probability=2,
            impact=3,
        )
        add("risk", "Seat licences arrive late", world.client_staff, 9, probability=1, impact=2)
        add("assumption", "Call recordings supplied by day 10", world.client_lead, 8)
        add("action", "Send the seating plan and badge list", world.client_lead, -2)
        add(
            "issue", "Test logins expire after 24 hours", world.client_lead, 3, status="in_progress"
        )
        add("decision", "Record calls from day one of go-live", world.pmo, 6)
        add(
            "exception",
            "Refund requested without a receipt",
            world.client_lead,
            2,
            description="Customers ask for a refund but cannot show a receipt.",
            handling="Some agents refuse; others refund any amount on trust.",
            decision_rule="Refund up to 20 EUR on trust and log it; above, escalate.",
            agreed_by=[world.client_lead, world.provider_lead],
            status="closed",
        )
        agree_escalation_path(world, levels=1)
        create_decision_right(
            actor=world.pmo,
            engagement=world.engagement,
            area="Scope changes",
            approver_side="client",
            consulted="Provider lead",
            informed="PMO",
        )
        create_decision_right(
            actor=world.pmo,
            engagement=world.engagement,
            area="Go-live",
            approver_side="pmo",
            consulted="Both leads",
            informed="Everyone on the engagement",
        )
    return world


@pytest.mark.parametrize(("size", "fixture"), SIZES)
def test_the_raid_register_with_its_heat_map(
    request, live_server, screenshot, register, size, fixture
):
    page = request.getfixturevalue(fixture)
    sign_in(page, live_server, register.provider_lead)
    page.goto(f"{live_server.url}/engagements/{register.engagement.public_id}/raid/")

    page.get_by_role("heading", name="RAID register").wait_for()
    heat_map = page.locator("table.heat-map")
    assert (
        heat_map.locator('td[data-probability="4"][data-impact="5"]').inner_text().startswith("2")
    )
    assert "4 open risks" in heat_map.locator("caption").inner_text()
    assert page.locator("tbody tr[data-kind]").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    assert serious_violations(page) == []
    screenshot(page, f"raid-register-{size}")


def test_filter_and_quick_edit_without_leaving_the_page(page, live_server, screenshot, register):
    sign_in(page, live_server, register.provider_lead)
    page.goto(f"{live_server.url}/engagements/{register.engagement.public_id}/raid/")

    page.get_by_label("Kind").select_option("issue")
    page.wait_for_url("**/raid/?kind=issue**")
    rows = page.locator("#raid-table tbody tr[data-kind]")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Test logins expire after 24 hours" in rows.first.inner_text()

    rows.first.get_by_role("link", name="Quick edit").click()
    editor = page.locator("tr.raid-editing")
    editor.get_by_label("Status").select_option("closed")
    screenshot(page, "raid-quick-edit-desktop")
    editor.get_by_role("button", name="Save").click()
    saved = page.locator("#raid-table tbody tr[data-kind]").first
    saved.get_by_text("Saved").wait_for()
    assert "Closed" in saved.inner_text()
    with tenant_context(register.tenant):
        assert RaidItem.objects.get(kind="issue").status == "closed"


@pytest.mark.parametrize(("size", "fixture"), SIZES)
def test_the_escalation_page(request, live_server, screenshot, register, size, fixture):
    page = request.getfixturevalue(fixture)
    sign_in(page, live_server, register.pmo)
    page.goto(f"{live_server.url}/engagements/{register.engagement.public_id}/raid/escalation/")

    page.get_by_role("heading", name="Escalation path").wait_for()
    badge = page.locator("#go-live-heading + p .status-badge")
    assert badge.inner_text() == "Not met"
    page.get_by_role("link", name="Add a level").click()
    page.get_by_label("Level name").fill("Operations managers")
    page.get_by_label("Client contact").select_option(str(register.client_lead.pk))
    page.get_by_label("Provider contact").select_option(str(register.provider_lead.pk))
    page.get_by_label("Response time (hours)").fill("24")
    page.get_by_role("button", name="Add level").click()

    page.get_by_text("Escalation level added.").wait_for()
    assert badge.inner_text() == "Met"
    assert page.locator(".escalation-table tbody tr").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    assert serious_violations(page) == []
    screenshot(page, f"escalation-{size}")


def test_logging_an_exception_and_its_agreed_rule(page, live_server, screenshot, register):
    sign_in(page, live_server, register.client_lead)
    page.goto(f"{live_server.url}/engagements/{register.engagement.public_id}/raid/")
    page.get_by_role("link", name="Exception", exact=True).click()

    page.get_by_role("heading", name="New exception").wait_for()
    page.get_by_label("Exception").fill("Address change without ID")
    page.get_by_label("Situation").fill("A caller wants a new delivery address but has no ID.")
    page.get_by_label("How it has been handled so far").fill("Team A refuses; team B accepts.")
    page.get_by_label("Agreed decision rule").fill("Two security questions, then change.")
    page.get_by_label("Owner").select_option(str(register.client_lead.pk))
    page.get_by_label("Due date").fill("2026-12-15")
    page.get_by_label(str(register.provider_lead), exact=False).check()
    screenshot(page, "raid-new-exception-desktop")
    page.get_by_role("button", name="Add exception").click()

    page.get_by_text("Exception “Address change without ID” added.").wait_for()
    row = page.locator("tbody tr[data-kind='exception']", has_text="Address change without ID")
    assert "Rule: Two security questions, then change." in row.inner_text()
