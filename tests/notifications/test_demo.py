import pytest
from django.core.management import call_command

from accounts.models import Tenant, User
from kernel.tenancy import tenant_context
from notifications.models import Notification

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates


def test_the_demo_greets_pmo_with_notifications(db, capsys):
    call_command("load_demo")
    pmo = User.objects.get(username="pmo")
    with tenant_context(Tenant.objects.get(slug="demo")):
        mine = list(Notification.objects.filter(recipient=pmo))
    assert len(mine) >= 2
    assert {n.engagement.name for n in mine} <= {
        "Contact centre launch",
        "Back-office transition",
        "Contact centre second site",  # the readiness roster's story (issue 18)
        "Claims desk migration",  # the go-live forecast past its target (issue 19)
    }
    assert "Subject:" not in capsys.readouterr().out  # demo e-mail is not printed
    # Issue 10's occasions show too: the KPIs' drift to pmo, a RAID item to its owner.
    assert any(n.kind == "drift_alert" and "Contact rate" in n.title for n in mine)
    client_lead = User.objects.get(username="client.lead")
    with tenant_context(Tenant.objects.get(slug="demo")):
        raid = Notification.objects.filter(recipient=client_lead, kind__startswith="raid_")
        assert raid.exists() and all("/raid/" in n.link for n in raid)

    call_command("load_demo")
    with tenant_context(Tenant.objects.get(slug="demo")):
        assert Notification.objects.filter(recipient=pmo).count() == len(mine)
