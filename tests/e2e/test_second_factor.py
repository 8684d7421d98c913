"""Two-factor in a real browser: in a tenant that requires it, PMO's approval is refused until
they set up an authenticator app; then it goes through, and the next sign-in asks for a code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from engagements.services import start_transition
from governance.models import Gate, GateDecision
from governance.services import request_gate_decision
from kernel.tenancy import tenant_context
from tests.world import build_world, finish_phase, meet_criteria_and_attest
from transition.services import set_second_factor_required

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def totp_now(secret: str) -> str:
    """What an authenticator app shows now (RFC 6238)."""
    counter = int(time.time()) // 30
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def requested_kickoff():
    world = build_world("Alpha")
    set_second_factor_required(actor=world.admin, tenant=world.tenant, required=True)
    with tenant_context(world.tenant):
        start_transition(actor=world.pmo, engagement=world.engagement)
        finish_phase(world, "kickoff")
        gate = Gate.objects.select_related("engagement").get(phase__kind="kickoff")
        meet_criteria_and_attest(world, gate)
        request_gate_decision(actor=world.provider_lead, gate=gate)
    return world, gate


def test_pmo_enrols_an_authenticator_and_approves_the_gate(
    browser, live_server, requested_kickoff, screenshot
):
    world, gate = requested_kickoff
    gate_url = f"{live_server.url}/engagements/{gate.engagement.public_id}/gates/{gate.public_id}/"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, world.pmo.username)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(gate_url)
    page.get_by_role("button", name="Approve").click()
    refusal = page.get_by_text("Your tenant requires a second factor to approve a gate")
    refusal.wait_for()
    screenshot(page, "second-factor-refused-1280")
    with tenant_context(world.tenant):
        assert not GateDecision.objects.exists()

    page.get_by_role("button", name=re.compile(world.pmo.get_full_name())).click()
    page.get_by_role("link", name="Two-factor authentication").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/")
    screenshot(page, "second-factor-index-1280")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Activate").click()
    # The library asks for the password again before a change to how one signs in.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    screenshot(page, "second-factor-confirm-password-1280")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/totp/activate/"))
    secret = page.get_by_label("Authenticator secret").input_value()
    screenshot(page, "second-factor-activate-1280")
    assert serious_violations(page) == []
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/recovery-codes/"))
    codes = re.findall(r"\b[0-9a-f]{8}\b", page.content())
    screenshot(page, "second-factor-recovery-codes-1280")
    assert len(codes) == 10

    page.goto(gate_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("“Kickoff gate” approved.").wait_for()
    with tenant_context(world.tenant):
        assert GateDecision.objects.get().decided_by == world.pmo
    context.close()

    # On a phone, the next sign-in asks for a code: a recovery code will do, once.
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, world.pmo.username)
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/authenticate/")
    assert fits(page)
    screenshot(page, "second-factor-authenticate-390")
    assert serious_violations(page) == []
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/accounts/two-factor/")
    assert fits(page)
    screenshot(page, "second-factor-index-390")
    page.goto(f"{live_server.url}/accounts/two-factor/recovery-codes/")
    assert fits(page)
    screenshot(page, "second-factor-confirm-password-390")  # codes are shown after it
    context.close()
