"""The readiness roster in a real browser, the issue's "Done when" flow: the provider lead
uploads the roster and the training team's results, sees wave readiness and requests access
for the wave; the client lead approves the batch, the provider lead provisions and verifies
it, the last agent is certified, and the go-live gate flips from refusing, naming her, to
approvable, and PMO approves it. Screenshots at 1280 and 390 px of the roster, a person and a
batch."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache

from engagements.services import start_transition
from governance.models import Gate
from governance.services import request_gate_decision
from kernel.tenancy import tenant_context
from roster.models import AccessBatch, Person, Requirement
from tests.registers.support import agree_escalation_path
from tests.roster.world import TODAY, add_wave, requirements
from tests.world import build_world, finish_phase, meet_criteria_and_attest, pass_gate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def as_user(browser, live_server, username: str, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE)
    page = context.new_page()
    sign_in(page, live_server, username)
    return context, page


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def page_fits(page) -> bool:
    """Nothing but the heat map scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def go_live_waits_on_the_roster(clock):
    """The engagement at its controlled go-live gate, every criterion met and attested, the
    decision requested; wave 1 has no one on it yet."""
    cache.clear()
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        for kind in ("kickoff", "transition", "access", "tooling"):
            pass_gate(world, kind)
        add_wave(world, go_live_date=datetime.date(2026, 3, 2))
        agree_escalation_path(world)  # the gate's other automatic criterion
        finish_phase(world, "controlled_go_live")
        gate = Gate.objects.get(engagement=world.engagement, phase__kind="controlled_go_live")
        meet_criteria_and_attest(world, gate)
        request_gate_decision(actor=world.provider_lead, gate=gate)
    return world, gate


def upload(page, kind: str, name: str, text: str, expected: str) -> None:
    """Choose what the file holds, preview it, import it."""
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name=re.compile(r"^Import \d+ rows$")).click()
    page.get_by_text(expected).wait_for()


def test_from_an_uploaded_roster_to_an_approved_go_live(
    browser, live_server, screenshot, go_live_waits_on_the_roster
):
    world, gate = go_live_waits_on_the_roster
    roster_url = f"{live_server.url}/engagements/{world.engagement.public_id}/roster/"
    gate_url = f"{live_server.url}/engagements/{world.engagement.public_id}/gates/{gate.public_id}/"

    # The provider lead uploads wave 1's roster, then the training team's results: every
    # module passed by all four, the certification by the first three.
    context, page = as_user(browser, live_server, world.provider_lead.username)
    page.goto(roster_url + "upload/")
    upload(
        page,
        "The roster",
        "roster.csv",
        "external id,name,e-mail,role,wave,site,start date\n"
        + "".join(
            f"HR-{n},Agent 0{n},agent.0{n}@provider.example,agent,1,Lisbon,2026-01-19\n"
            for n in range(1, 5)
        ),
        "Roster imported: 4 added, 0 changed, 0 unchanged.",
    )
    with tenant_context(world.tenant):
        modules = requirements(world, "agent", Requirement.Kind.MODULE)
        (certification,) = requirements(world, "agent", Requirement.Kind.CERTIFICATION)
        people = list(Person.objects.filter(engagement=world.engagement).order_by("name"))
    assessor = world.provider_staff.email
    results = "external id,module,passed,date,score,assessor e-mail\n" + "".join(
        f"HR-{n},{module.key},yes,2026-01-26,,{assessor}\n"
        for n in range(1, 5)
        for module in modules
    )
    results += "".join(
        f"HR-{n},{certification.key},yes,2026-01-30,90,{assessor}\n" for n in (1, 2, 3)
    )
    page.goto(roster_url + "upload/")
    upload(page, "Results", "results.csv", results, f"Imported {4 * len(modules) + 3} results.")
    screenshot(page, "roster-results-imported-desktop")

    # The provider lead sees wave 1's readiness and requests its access in one action.
    counts = page.locator('[data-counts="1"]')
    assert " ".join(counts.inner_text().split()) == (
        "Ready 0 of 4 Certified 3 of 4 Access verified 0 of 4"
    )
    screenshot(page, "roster-desktop")
    page.get_by_role("button", name="Request access for Wave 1").click()
    page.get_by_text("now waiting on the client's approval").wait_for()
    assert "8 to approve" in page.locator(".roster-tracks").inner_text()
    batch_url = page.url
    context.close()

    # The client lead approves the whole batch.
    context, page = as_user(browser, live_server, world.client_lead.username)
    page.goto(batch_url)
    assert page.get_by_role("button", name="Provision all 0 approved").count() == 0
    page.get_by_role("button", name="Approve all 8 requested").click()
    page.get_by_text("8 access steps approved.").wait_for()
    page.goto(roster_url + "?waiting=provider")
    assert page.locator("td.rc-approved").count() == 8
    screenshot(page, "roster-waiting-desktop")
    assert serious_violations(page) == []
    context.close()

    # The provider lead provisions and verifies it.
    context, page = as_user(browser, live_server, world.provider_lead.username)
    page.goto(batch_url)
    page.get_by_role("button", name="Provision all 8 approved").click()
    page.get_by_text("8 access steps provisioned.").wait_for()
    page.get_by_role("button", name="Verify all 8 provisioned").click()
    page.get_by_text("8 access steps verified.").wait_for()
    assert "nothing waits" in page.locator("#oldest").inner_text()
    screenshot(page, "roster-batch-desktop")
    assert serious_violations(page) == []
    page.goto(roster_url)
    assert " ".join(page.locator('[data-counts="1"]').inner_text().split()) == (
        "Ready 3 of 4 Certified 3 of 4 Access verified 4 of 4"
    )
    context.close()

    # PMO tries to approve the go-live gate: refused, naming the agent not yet certified.
    context, page = as_user(browser, live_server, world.pmo.username)
    page.goto(gate_url)
    page.get_by_role("button", name="Approve").click()
    refusal = page.locator("#approval-refused")
    refusal.wait_for()
    assert "3 of 4 certified; not yet certified: Agent 04" in refusal.inner_text()
    context.close()

    # The provider lead certifies the last agent on her page.
    last = people[-1]
    context, page = as_user(browser, live_server, world.provider_lead.username)
    page.goto(f"{roster_url}people/{last.public_id}/")
    assert "Still missing: Script certification not passed" in page.locator("#missing").inner_text()
    page.get_by_label("Module or certification").select_option(label="Script certification")
    page.get_by_label("Passed").check()
    page.get_by_label("Taken on").fill("2026-02-02")
    page.get_by_label("Score (%)").fill("91")
    page.get_by_label("Assessor").select_option(label=world.provider_staff.get_full_name())
    page.get_by_role("button", name="Record the result").click()
    page.get_by_text("Result recorded for Agent 04.").wait_for()
    assert page.get_by_text("Ready", exact=True).first.is_visible()
    screenshot(page, "roster-person-desktop")
    assert serious_violations(page) == []
    context.close()

    # The gate is now approvable, and PMO approves it.
    context, page = as_user(browser, live_server, world.pmo.username)
    page.goto(gate_url)
    page.locator("#decision-panel").get_by_text("Nothing open").wait_for()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("approved.").first.wait_for()
    context.close()
    with tenant_context(world.tenant):
        gate.refresh_from_db()
        assert gate.status == "approved"
        assert Person.objects.get(pk=last.pk).status == "certified"
        batch = AccessBatch.objects.get(engagement=world.engagement)

    # On a phone: the heat map scrolls sideways with the names staying put; nothing else does.
    context, page = as_user(browser, live_server, world.provider_lead.username, PHONE)
    for name, url in (
        ("roster-phone", roster_url),
        ("roster-person-phone", f"{roster_url}people/{last.public_id}/"),
        ("roster-batch-phone", f"{roster_url}batches/{batch.public_id}/"),
    ):
        page.goto(url)
        assert page_fits(page), name
        screenshot(page, name)
    page.goto(roster_url)
    scroller = page.locator(".roster-scroll").first
    name_cell = page.locator("tbody .rh-person").first
    before = name_cell.bounding_box()["x"]
    scroller.evaluate("element => { element.scrollLeft = 400; }")
    assert scroller.evaluate("element => element.scrollLeft") > 0
    assert name_cell.bounding_box()["x"] == before
    context.close()
