"""Portfolio, my work, creating from a playbook, engagement administration and members, driven
through the real pages in Chromium; every page photographed at 1280 and 390 px."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.cache import cache

from accounts.models import Membership, User
from engagements.models import Engagement, EngagementMember, Phase
from engagements.playbooks import get_builtin
from engagements.services import start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def sign_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def serious_violations(page):
    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def phase_id(world, kind):
    with tenant_context(world.tenant):
        return str(Phase.objects.get(engagement=world.engagement, kind=kind).public_id)


@pytest.fixture
def world():
    cache.clear()
    built = build_world("Alpha")
    with tenant_context(built.tenant):
        start_transition(actor=built.pmo, engagement=built.engagement)
    return built


def test_pmo_creates_an_engagement_from_the_contact_centre_playbook(
    page, live_server, screenshot, world
):
    sign_in(page, live_server, world.pmo.username)
    page.get_by_role("heading", name="Alpha", exact=True).wait_for()
    assert page.get_by_role("cell", name=re.compile("^Alpha care desk")).count() == 1
    screenshot(page, "portfolio-desktop")
    assert serious_violations(page) == []

    page.get_by_role("link", name="New engagement").click()
    page.get_by_role("heading", name="90-day contact-centre launch").wait_for()
    screenshot(page, "new-engagement-choose-desktop")
    page.get_by_role("link", name=re.compile("Use this playbook.*90-day contact-centre")).click()

    page.get_by_label("Engagement name").fill("Harbour care desk")
    page.get_by_label("Client", exact=True).fill("Harbour Insurance")
    page.get_by_label("Provider", exact=True).fill("Northstar Contact")
    page.get_by_label("Contract signed (day 0)").fill("2026-03-02")
    page.get_by_label("Time zone").select_option("Europe/London")
    people = {
        "client": world.client_staff,
        "provider": world.provider_staff,
        "pmo": world.pmo,
        "client_lead": world.client_lead,
        "provider_lead": world.provider_lead,
    }
    roles = get_builtin("contact-centre-90-day").roles
    # First without the QA lead: a field error, nothing created.
    for role in roles:
        if role.key != "provider_qa_lead":
            person = people.get(role.key) or people[role.side]
            page.get_by_label(role.label, exact=True).select_option(str(person.public_id))
    page.get_by_role("button", name="Preview the plan").click()
    page.get_by_text("Name the person who is the Provider QA lead.").wait_for()
    assert page.get_by_label("Client", exact=True).input_value() == "Harbour Insurance"
    screenshot(page, "new-engagement-error-desktop")

    page.get_by_label("Provider QA lead", exact=True).select_option(
        str(world.provider_staff.public_id)
    )
    page.get_by_role("button", name="Preview the plan").click()
    page.get_by_role("heading", name="The plan").wait_for()
    assert page.get_by_text("Gate: Kickoff gate on 5 Mar 2026").is_visible()
    day_90 = "Day 90 \N{EN DASH} Steady state and forward plan: 31 May 2026"
    assert page.get_by_text(day_90).is_visible()
    with tenant_context(world.tenant):
        assert not Engagement.objects.filter(name="Harbour care desk").exists()
    screenshot(page, "new-engagement-preview-desktop")

    page.get_by_role("button", name="Create the engagement").click()
    page.get_by_role("heading", name="Harbour care desk").wait_for()
    assert page.get_by_text("Harbour care desk was created from").is_visible()
    screenshot(page, "engagement-created-desktop")
    with tenant_context(world.tenant):
        engagement = Engagement.objects.get(name="Harbour care desk")
        milestones = Milestone.objects.filter(engagement=engagement).count()
        lead = EngagementMember.objects.get(engagement=engagement, user=world.provider_lead)
    assert milestones == get_builtin("contact-centre-90-day").milestone_count
    assert (lead.side, lead.role) == ("provider", "lead")


def test_pmo_administers_an_engagement_and_previews_a_reschedule(
    page, live_server, screenshot, world
):
    sign_in(page, live_server, world.pmo.username)
    page.get_by_role("link", name="Administer Alpha care desk").click()
    page.get_by_role("heading", name="Administer Alpha care desk").wait_for()
    screenshot(page, "engagement-admin-desktop")

    page.get_by_label("Person", exact=True).select_option(str(world.bystander.public_id))
    page.get_by_label("Side", exact=True).select_option("client")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text(f"{world.bystander} joined Alpha care desk").wait_for()

    page.get_by_role("button", name=f"Remove {world.provider_staff}").click()
    page.get_by_text(f"{world.provider_staff} still owns open milestones").wait_for()
    screenshot(page, "engagement-admin-refused-desktop")

    page.get_by_label("Phase", exact=True).select_option(phase_id(world, "tooling"))
    page.get_by_label("New planned end").fill("2026-01-21")
    page.get_by_label("Reason").fill("CRM sandbox access late")
    page.get_by_role("button", name="Preview the move").click()
    page.get_by_role("heading", name="What will move").wait_for()
    assert page.get_by_text("Target go-live: 16 Jan 2026 → 23 Jan 2026").is_visible()
    screenshot(page, "reschedule-preview-desktop")
    page.get_by_role("button", name="Confirm the move").click()
    page.get_by_text("Tooling now ends on 21 Jan 2026").wait_for()
    with tenant_context(world.tenant):
        go_live = Engagement.objects.get(pk=world.engagement.pk).target_go_live
    assert go_live.isoformat() == "2026-01-23"


def test_an_admin_invites_a_member_who_accepts_and_signs_in(
    browser, page, live_server, screenshot, world
):
    sign_in(page, live_server, world.admin.username)
    page.get_by_role("link", name="Members").click()
    page.get_by_role("heading", name="Members of Alpha").wait_for()
    page.get_by_label("E-mail address").fill("nadia@harbour.example")
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Invite").click()
    page.get_by_text("Invitation sent to nadia@harbour.example").wait_for()
    screenshot(page, "members-desktop")

    (message,) = mail.outbox
    link = re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)

    newcomer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    newcomer.goto(link)
    newcomer.get_by_role("heading", name="Join Alpha").wait_for()
    screenshot(newcomer, "accept-invitation-desktop")
    newcomer.get_by_label("First name").fill("Nadia")
    newcomer.get_by_label("Last name").fill("Haddad")
    newcomer.get_by_label("Username").fill("nadia")
    newcomer.get_by_label("Password", exact=True).fill("a long enough passphrase")
    newcomer.get_by_label("Password again").fill("a long enough passphrase")
    newcomer.get_by_role("button", name="Create my account and join").click()
    newcomer.get_by_text("Welcome to Alpha. Sign in as nadia").wait_for()
    sign_in(newcomer, live_server, "nadia", "a long enough passphrase")
    newcomer.get_by_role("heading", name="Alpha", exact=True).wait_for()
    assert newcomer.get_by_text("You are not on any engagement yet").is_visible()
    screenshot(newcomer, "portfolio-newcomer-desktop")
    newcomer.get_by_role("link", name="My work").click()
    newcomer.get_by_text("Nothing is waiting on you").wait_for()
    assert serious_violations(newcomer) == []
    nadia = User.objects.get(username="nadia")
    assert Membership.objects.get(user=nadia, tenant=world.tenant).role == "member"
    newcomer.context.close()


def test_my_work_on_a_laptop(page, live_server, screenshot, world):
    sign_in(page, live_server, world.provider_lead.username)
    page.get_by_role("link", name="My work").click()
    page.get_by_role("heading", name="My work").wait_for()
    assert page.get_by_role("cell", name=re.compile("^Attest “Kickoff gate”")).count() == 1
    screenshot(page, "my-work-desktop")
    assert serious_violations(page) == []


def test_every_page_on_a_phone(phone_page, live_server, screenshot, world):
    page = phone_page
    sign_in(page, live_server, world.pmo.username)
    engagement = world.engagement.public_id
    pages = {
        "portfolio": "/",
        "my-work": "/my-work/",
        "new-engagement-choose": "/engagements/new/",
        "new-engagement": "/engagements/new/?playbook=shipped%3Acontact-centre-90-day",
        "engagement-admin": f"/engagements/{engagement}/admin/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.get_by_role("heading", level=1).first.wait_for()
        no_sideways_scroll(page)
        screenshot(page, f"{name}-phone")
        if name in {"portfolio", "my-work"}:
            assert serious_violations(page) == [], name

    page.goto(f"{live_server.url}/engagements/{engagement}/admin/")
    page.get_by_label("Phase", exact=True).select_option(phase_id(world, "access"))
    page.get_by_label("New planned end").fill("2026-01-20")
    page.get_by_label("Reason").fill("Badges late")
    page.get_by_role("button", name="Preview the move").click()
    page.get_by_role("heading", name="What will move").wait_for()
    no_sideways_scroll(page)
    screenshot(page, "reschedule-preview-phone")

    page.goto(f"{live_server.url}/engagements/new/?playbook=shipped%3Acontact-centre-90-day")
    page.get_by_label("Engagement name").fill("Phone desk")
    page.get_by_label("Client", exact=True).fill("Harbour")
    page.get_by_label("Provider", exact=True).fill("Northstar")
    page.get_by_label("Contract signed (day 0)").fill("2026-03-02")
    for role in get_builtin("contact-centre-90-day").roles:
        person = {"client": world.client_staff, "provider": world.provider_staff}.get(
            role.side, world.pmo
        )
        page.get_by_label(role.label, exact=True).select_option(str(person.public_id))
    page.get_by_role("button", name="Preview the plan").click()
    page.get_by_role("heading", name="The plan").wait_for()
    no_sideways_scroll(page)
    screenshot(page, "new-engagement-preview-phone")

    page.context.clear_cookies()
    sign_in(page, live_server, world.admin.username)
    page.goto(f"{live_server.url}/members/")
    page.get_by_role("heading", name="Members of Alpha").wait_for()
    no_sideways_scroll(page)
    screenshot(page, "members-phone")
