import pytest
from django.core.management import call_command

from accounts.models import Tenant
from audit.models import Event
from kernel.tenancy import tenant_context
from milestones import bulk

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates


def test_the_demo_has_one_bulk_change_in_the_audit_trail(db, capsys):
    call_command("load_demo")
    call_command("load_demo")  # a second run adds nothing
    capsys.readouterr()
    with tenant_context(Tenant.objects.get(slug="demo")):
        events = Event.objects.filter(operation=bulk.OPERATION)
        assert events.count() == 3
        assert len(set(events.values_list("correlation_id", flat=True))) == 1
        assert {e.changes.keys() >= {"due_date", "version"} for e in events} == {True}
