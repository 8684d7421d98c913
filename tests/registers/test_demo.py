import pytest
from django.core.management import call_command

from accounts.models import Tenant
from engagements.models import Engagement
from kernel.tenancy import tenant_context
from registers.models import DecisionRight, EscalationLevel, RaidItem
from registers.selectors import automatic_criteria_open

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates


def test_the_demo_has_a_register_a_two_level_path_and_decision_rights(db, capsys):
    call_command("load_demo")
    call_command("load_demo")  # a second run adds nothing
    capsys.readouterr()
    with tenant_context(Tenant.objects.get(slug="demo")):
        launch = Engagement.objects.get(name="Contact centre launch")
        kinds = sorted(RaidItem.objects.filter(engagement=launch).values_list("kind", flat=True))
        assert kinds == sorted(
            ["risk", "risk", "risk", "assumption", "action", "issue", "decision", "exception"]
        )
        assert EscalationLevel.objects.filter(engagement=launch).count() == 2
        assert DecisionRight.objects.filter(engagement=launch).count() == 4
        assert automatic_criteria_open(engagement=launch, phase_kind="controlled_go_live") == []
        exception = RaidItem.objects.get(kind="exception")
        assert exception.decision_rule and exception.agreed_by.count() == 2
