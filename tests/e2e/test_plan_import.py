"""A PMO imports a 150-row plan in a real browser: two bad rows named by row and column, the
file fixed, the engagement created; on a desk and on a phone."""

import pytest

from engagements.models import Engagement
from kernel.tenancy import tenant_context
from tests.e2e.test_milestone_page import no_sideways_scroll, serious_violations, sign_in
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHASES = ("Kickoff", "Transition", "Access", "Tooling", "Controlled go-live", "Stabilisation")
HEADER = "Phase,Task,Owner e-mail,Side,Due day,Depends on,Evidence required,Ref\n"


def plan(world, *, broken: bool) -> str:
    owners = [
        (world.client_lead.email, "client"),
        (world.provider_lead.email, "provider"),
        (world.pmo.email, "joint"),
    ]
    lines = []
    for n in range(150):
        phase = PHASES[n * len(PHASES) // 150]
        email, side = owners[n % 3]
        after = f"P-{n - 1:03d}" if n % 5 else ""
        lines.append(f"{phase},Step {n:03d},{email},{side},{n // 2},{after},no,P-{n:03d}")
    if broken:
        # Row 12 names nobody we know; row 40 waits on a later phase's milestone.
        cells = lines[10].split(",")
        cells[2] = "ghost@nowhere.example"
        lines[10] = ",".join(cells)
        lines[38] = lines[38].rsplit(",", 3)[0] + ",P-140,no,P-038"
    return HEADER + "\n".join(lines) + "\n"


def start(page, live_server, world, text: str) -> None:
    sign_in(page, live_server, world.pmo.username)
    page.goto(f"{live_server.url}/plans/new/")
    page.get_by_label("Engagement name").fill("Imported desk")
    page.get_by_label("Client", exact=True).fill("Acme")
    page.get_by_label("Provider", exact=True).fill("Beta")
    page.get_by_label("Contract signed (day 0)").fill("2026-03-02")
    page.get_by_label("Plan file (CSV or XLSX)").set_input_files(
        {"name": "plan.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Map the columns and preview").click()


def test_a_pmo_imports_a_150_row_plan_and_fixes_two_bad_rows(page, live_server, screenshot):
    world = build_world("Alpha")
    start(page, live_server, world, plan(world, broken=True))
    page.get_by_text("Nothing will be imported.").wait_for()
    assert "2 problems in 2 rows" in page.locator("#problems-summary").inner_text()
    problems = page.locator("#errors-heading + div table tbody tr")
    assert problems.count() == 2
    assert problems.nth(0).inner_text().split("\t")[:2] == ["12", "owner"]
    assert "Unknown owner" in problems.nth(0).inner_text()
    assert problems.nth(1).inner_text().split("\t")[:2] == ["40", "depends on"]
    assert "later phase" in problems.nth(1).inner_text()
    assert serious_violations(page) == []
    screenshot(page, "plan-import-problems-desktop")
    with tenant_context(world.tenant):
        assert not Engagement.objects.filter(name="Imported desk").exists()

    page.get_by_label("Corrected file (CSV or XLSX)").set_input_files(
        {"name": "plan.csv", "mimeType": "text/csv", "buffer": plan(world, broken=False).encode()}
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_text("150 milestones ready").wait_for()
    screenshot(page, "plan-import-preview-desktop")
    page.get_by_role("button", name="Create the engagement").click()
    page.get_by_text("Imported desk was created from plan.csv: 150 milestones.").wait_for()
    screenshot(page, "plan-import-created-desktop")
    with tenant_context(world.tenant):
        engagement = Engagement.objects.get(name="Imported desk")
        assert engagement.milestones.count() == 150


def test_the_plan_import_and_its_problems_on_a_phone(phone_page, live_server, screenshot):
    world = build_world("Alpha")
    start(phone_page, live_server, world, plan(world, broken=True))
    phone_page.get_by_text("Nothing will be imported.").wait_for()
    assert no_sideways_scroll(phone_page)
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "plan-import-problems-phone")
    phone_page.goto(f"{live_server.url}/plans/new/")
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "plan-import-phone")
