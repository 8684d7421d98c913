"""Two-factor authentication (django-allauth's MFA): an authenticator app and recovery codes,
set up by the person on their account pages and asked at sign-in; a tenant that requires it
refuses gate approvals and review publications by someone without one, whatever asks."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import struct

import pytest
from django.core.cache import cache

from accounts.models import Tenant
from accounts.permissions import SecondFactorRequired
from audit.models import Event
from engagements.services import start_transition
from governance.models import Gate, GateDecision
from governance.services import approve_gate, request_gate_decision
from reporting.models import Review
from reporting.reviews import publish_review
from tests import factories
from tests.world import finish_phase, meet_criteria_and_attest
from transition.services import set_second_factor_required

PASSWORD = "correct horse battery"
NOON = datetime.datetime(2026, 3, 2, 12, 0, 5, tzinfo=datetime.UTC)


def totp(secret: str, at: datetime.datetime) -> str:
    """The six-digit code an authenticator app shows at ``at`` (RFC 6238, 30 s steps)."""
    counter = int(at.timestamp()) // 30
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, user, code=None):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    if code is None:
        return response
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/authenticate/"
    return client.post("/accounts/two-factor/authenticate/", {"code": code})


@pytest.fixture
def clock(time_machine):
    """Noon on a day of March 2026, the clock stopped (the tests move it)."""
    time_machine.move_to(NOON, tick=False)
    return time_machine


def enrol(client, user, clock) -> tuple[str, list[str]]:
    """Set up an authenticator through the pages, as a person would, five minutes before
    NOON; its secret and the recovery codes shown."""
    clock.move_to(NOON - datetime.timedelta(minutes=5), tick=False)
    client.force_login(user)
    page = client.get("/accounts/two-factor/totp/activate/")
    if page.status_code == 302:  # asked for the password again first
        client.post(page["Location"].split("?")[0], {"password": PASSWORD})
        page = client.get("/accounts/two-factor/totp/activate/")
    assert page.status_code == 200
    secret = re.search(r'value="([A-Z2-7]{32})"', page.content.decode())[1]
    activated = client.post(
        "/accounts/two-factor/totp/activate/",
        {"code": totp(secret, NOON - datetime.timedelta(minutes=5))},
    )
    assert activated.status_code == 302, activated.content.decode()[:2000]
    codes_page = client.get("/accounts/two-factor/recovery-codes/").content.decode()
    codes = re.findall(r"\b[0-9a-f]{8}\b", codes_page)
    client.logout()
    clock.move_to(NOON, tick=False)
    assert len(codes) >= 10
    return secret, codes


# --- Sign-in with a second factor --------------------------------------------------------------


def test_a_person_sets_up_an_authenticator_and_is_asked_for_a_code_at_sign_in(
    client, tenant_a, member_of, clock
):
    pmo = member_of(tenant_a, role="pmo", username="priya")
    secret, _codes = enrol(client, pmo, clock)

    asked = sign_in(client, pmo)
    assert asked.status_code == 302
    assert asked["Location"] == "/accounts/two-factor/authenticate/"
    assert "_auth_user_id" not in client.session  # the password alone is not enough

    wrong = client.post("/accounts/two-factor/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    signed_in = client.post("/accounts/two-factor/authenticate/", {"code": totp(secret, NOON)})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(pmo.pk)


def test_a_code_used_once_is_refused_inside_its_window(client, tenant_a, member_of, clock):
    pmo = member_of(tenant_a, role="pmo", username="priya")
    secret, _codes = enrol(client, pmo, clock)
    code = totp(secret, NOON)
    assert sign_in(client, pmo, code).status_code == 302
    client.logout()

    # Someone who saw the code over the person's shoulder, ten seconds later.
    clock.shift(10)
    replayed = sign_in(client, pmo, code)
    assert replayed.status_code == 200
    assert "Incorrect code" in replayed.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(client, tenant_a, member_of, clock):
    pmo = member_of(tenant_a, role="pmo", username="priya")
    _secret, codes = enrol(client, pmo, clock)

    assert sign_in(client, pmo, codes[0]).status_code == 302
    assert client.session["_auth_user_id"] == str(pmo.pk)
    client.logout()

    again = sign_in(client, pmo, codes[0])
    assert again.status_code == 200
    assert "Incorrect code" in again.content.decode()
    assert "_auth_user_id" not in client.session

    assert sign_in(client, pmo, codes[1]).status_code == 302


def test_someone_without_a_second_factor_signs_in_with_the_password(client, tenant_a, member_of):
    member = member_of(tenant_a, username="claire")
    response = sign_in(client, member)
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- The tenant's requirement ------------------------------------------------------------------


def test_a_new_tenant_requires_a_second_factor(db):
    assert Tenant.objects.create(name="New", slug="new").require_second_factor is True


@pytest.fixture
def ready_kickoff(world):
    """A tenant that requires a second factor; the kickoff gate ready for PMO's decision."""
    set_second_factor_required(actor=world.admin, tenant=world.tenant, required=True)
    start_transition(actor=world.pmo, engagement=world.engagement)
    finish_phase(world, "kickoff")
    gate = Gate.objects.select_related("engagement", "phase").get(phase__kind="kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    return gate


def gate_url(gate, action=""):
    return f"/engagements/{gate.engagement.public_id}/gates/{gate.public_id}/{action}"


def test_the_service_refuses_an_approval_without_a_second_factor_naming_why(world, ready_kickoff):
    with pytest.raises(SecondFactorRequired) as refused:
        approve_gate(actor=world.pmo, gate=ready_kickoff, comment="Go")

    assert refused.value.message.startswith(
        "Your tenant requires a second factor to approve a gate"
    )
    assert not GateDecision.objects.exists()
    assert Gate.objects.get(pk=ready_kickoff.pk).status == "requested"


def test_the_gate_page_shows_the_refusal_in_place_then_the_pmo_enrols_and_approves(
    client, world, ready_kickoff, time_machine
):
    client.force_login(world.pmo)
    refused = client.post(gate_url(ready_kickoff, "approve/"), {"comment": "Go ahead"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Your tenant requires a second factor to approve a gate" in html
    assert "Go ahead</textarea>" in html
    assert not GateDecision.objects.exists()

    world.pmo.set_password(PASSWORD)
    world.pmo.save()
    enrol(client, world.pmo, time_machine)
    client.force_login(world.pmo)
    approved = client.post(gate_url(ready_kickoff, "approve/"), {"comment": "Go ahead"})
    assert approved.status_code == 302
    assert GateDecision.objects.get().decided_by == world.pmo


def test_a_review_publication_without_a_second_factor_is_refused(client, world):
    set_second_factor_required(actor=world.admin, tenant=world.tenant, required=True)
    review = Review.objects.get(day=14)
    with pytest.raises(SecondFactorRequired, match="to publish a review"):
        publish_review(actor=world.pmo, review=review, reason="Steering committee")

    client.force_login(world.pmo)
    page = client.post(
        f"/engagements/{world.engagement.public_id}/reviews/{review.public_id}/publish/",
        {"reason": "Steering committee"},
    )
    assert page.status_code == 409
    assert "Your tenant requires a second factor to publish a review" in page.content.decode()
    review.refresh_from_db()
    assert review.status != "published"


def test_a_tenant_that_does_not_require_it_lets_pmo_approve_without(world):
    assert world.tenant.require_second_factor is False  # the tests' tenants, as before
    start_transition(actor=world.pmo, engagement=world.engagement)
    finish_phase(world, "kickoff")
    gate = Gate.objects.get(phase__kind="kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    assert approve_gate(actor=world.pmo, gate=gate).decided_by == world.pmo


def test_a_tenant_admin_switches_the_requirement_from_the_members_page(client, world):
    client.force_login(world.admin)
    page = client.get("/members/").content.decode()
    assert 'id="require-second-factor" aria-describedby' in page  # unticked

    response = client.post("/members/second-factor/", {"require_second_factor": "on"})
    assert response.status_code == 302
    world.tenant.refresh_from_db()
    assert world.tenant.require_second_factor is True
    assert "A second factor is now required" in client.get("/members/").content.decode()
    event = Event.objects.filter(operation="tenant.policy_changed").latest("pk")
    assert event.changes == {"require_second_factor": [False, True]}

    client.force_login(world.pmo)
    assert client.post("/members/second-factor/", {}).status_code == 403
    world.tenant.refresh_from_db()
    assert world.tenant.require_second_factor is True


def test_another_tenants_requirement_does_not_apply(world):
    other = factories.TenantFactory(require_second_factor=True)
    assert other.require_second_factor
    start_transition(actor=world.pmo, engagement=world.engagement)
    finish_phase(world, "kickoff")
    gate = Gate.objects.get(phase__kind="kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    assert approve_gate(actor=world.pmo, gate=gate).decided_by == world.pmo
