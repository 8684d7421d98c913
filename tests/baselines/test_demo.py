"""The demo's baselines (issue 19): every started engagement has the baseline of its start, the
launch one per approved gate, and the back-office transition a named one that three access
milestones and the access gate slipped against; loading the demo again adds nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Tenant, User
from baselines.models import Baseline
from baselines.selectors import chosen_baseline, compare
from engagements.models import Engagement
from kernel.tenancy import tenant_context
from transition.demo.baselines import NAME

pytestmark = pytest.mark.dates

TODAY = datetime.datetime(2026, 12, 6, 10, tzinfo=datetime.UTC)


def test_the_demo_shows_slips_against_its_baselines(db, settings, tmp_path, client):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    with time_machine.travel(TODAY, tick=False):
        call_command("load_demo", stdout=io.StringIO())
        call_command("load_demo", stdout=io.StringIO())  # again: nothing added
        with tenant_context(Tenant.objects.get(slug="demo")):
            back_office = Engagement.objects.get(name="Back-office transition")
            names = set(
                Baseline.objects.filter(engagement=back_office).values_list("name", flat=True)
            )
            assert names == {"Transition started", NAME}
            named = chosen_baseline(engagement=back_office, name=NAME)
            comparison = compare(engagement=back_office, baseline=named)
            assert len(comparison.slipped_milestones) >= 3
            access = next(row for row in comparison.phases if row.phase_kind == "access")
            assert access.slip_days == 5
            launch = Engagement.objects.get(name="Contact centre launch")
            assert Baseline.objects.filter(engagement=launch, reason="gate_approved").count() == 5

        client.force_login(User.objects.get(username="pmo"))
        page = client.get(f"/engagements/{back_office.public_id}/")
        assert "vs baseline" in page.text
        assert f"“{NAME}”" in page.text
