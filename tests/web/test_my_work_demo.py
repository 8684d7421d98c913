"""The demo's provider lead has enough work that My work's filters and pages matter."""

import pytest
from django.core.management import call_command

from accounts.models import Tenant, User
from engagements.models import Engagement
from kernel.tenancy import tenant_context
from tests.web.pages import table_rows, text_of
from transition.work import work_of

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates


def test_the_demo_provider_lead_pages_and_filters_my_work(db, client, capsys):
    call_command("load_demo")
    call_command("load_demo")  # a second run adds nothing
    capsys.readouterr()
    lead = User.objects.get(username="provider.lead")
    with tenant_context(Tenant.objects.get(slug="demo")):
        items = work_of(actor=lead)
        site = Engagement.objects.get(name="Contact centre second site")
    kinds = {item.kind for item in items}
    assert len(items) >= 60 and kinds >= {"milestone", "raid_item", "corrective_action"}
    late_on_site = [item for item in items if item.engagement == site and item.overdue]
    assert 10 <= len(late_on_site) < len(items) // 2
    client.force_login(lead)

    everything = client.get("/my-work/")
    narrowed = client.get(f"/my-work/?engagement={site.public_id}&overdue=on")

    assert "Page 1 of 3" in text_of(everything)
    assert f"{len(late_on_site)} items match these filters" in text_of(narrowed)
    assert len(table_rows(narrowed)) == min(25, len(late_on_site))
