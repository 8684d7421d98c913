"""The provider lead uploads the roster in a real browser: a preview naming the bad rows, a
corrected file, the import; on a desk and on a phone."""

import pytest

from kernel.tenancy import tenant_context
from roster import services
from roster.models import Person
from tests.e2e.test_milestone_page import no_sideways_scroll, serious_violations, sign_in
from tests.roster.world import WAVE_START
from tests.world import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "external id,name,e-mail,role,wave,site,start date\n"
GOOD = HEADER + "".join(
    f"HR-{n:03d},Agent {n:03d},agent.{n:03d}@provider.example,agent,1,Lisbon,{WAVE_START}\n"
    for n in range(1, 13)
)
BAD = (
    GOOD
    + f"HR-900,,no-address,astronaut,7,Porto,{WAVE_START}\n"
    + f"HR-901,Twin,agent.001@provider.example,agent,1,,{WAVE_START}\n"
)


def roster_world():
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        services.save_wave(
            actor=world.pmo, engagement=world.engagement, number=1, start_date=WAVE_START
        )
    return world


def choose_file(page, name: str, text: str) -> None:
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )


def test_the_provider_lead_uploads_the_roster_and_fixes_the_bad_rows(page, live_server, screenshot):
    world = roster_world()
    url = f"{live_server.url}/engagements/{world.engagement.public_id}/roster/upload/"
    sign_in(page, live_server, world.provider_lead.username)
    page.goto(url)
    screenshot(page, "roster-upload-desktop")
    choose_file(page, "roster.csv", BAD)
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Nothing will be imported.").wait_for()
    assert page.get_by_text("“astronaut” is not a role of this roster").is_visible()
    assert serious_violations(page) == []
    screenshot(page, "roster-upload-problems-desktop")
    with tenant_context(world.tenant):
        assert not Person.objects.exists()

    page.get_by_label("Corrected file (CSV or XLSX)").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}
    )
    page.get_by_role("button", name="Preview again").click()
    page.get_by_text("12 rows ready to import: 12 new").wait_for()
    screenshot(page, "roster-upload-preview-desktop")
    page.get_by_role("button", name="Import 12 rows").click()
    page.get_by_text("Roster imported: 12 added, 0 changed, 0 unchanged.").wait_for()
    with tenant_context(world.tenant):
        assert Person.objects.count() == 12


def test_the_upload_and_its_problems_on_a_phone(phone_page, live_server, screenshot):
    world = roster_world()
    url = f"{live_server.url}/engagements/{world.engagement.public_id}/roster/upload/"
    sign_in(phone_page, live_server, world.provider_lead.username)
    phone_page.goto(url)
    assert no_sideways_scroll(phone_page)
    screenshot(phone_page, "roster-upload-phone")
    choose_file(phone_page, "roster.csv", BAD)
    phone_page.get_by_role("button", name="Preview").click()
    phone_page.get_by_text("Nothing will be imported.").wait_for()
    assert no_sideways_scroll(phone_page)
    assert serious_violations(phone_page) == []
    screenshot(phone_page, "roster-upload-problems-phone")
