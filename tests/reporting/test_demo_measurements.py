"""The demo shows the KPI pages working: measurements, a weekly trend and drift alerts."""

import pytest
from django.core.management import call_command

from accounts.models import Tenant
from kernel.tenancy import tenant_context
from reporting.models import DriftAlert, KpiMeasurement

# Its data is built relative to today: pinned, and run on awkward days on CI.
pytestmark = pytest.mark.dates


def test_the_demo_engagement_has_measurements_and_drift_alerts(db, capsys, settings, tmp_path):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    call_command("load_demo")
    with tenant_context(Tenant.objects.get(slug="demo")):
        measured = KpiMeasurement.objects.filter(kpi__engagement__name="Contact centre launch")
        assert measured.count() >= 6 * 7 * 5
        alerts = {
            (alert.kpi.key, alert.kind)
            for alert in DriftAlert.objects.filter(ended_week__isnull=True).select_related("kpi")
        }
        assert alerts == {("contact-rate", "below_target"), ("show-rate", "worsening")}
        # Transfer-set rate missed its target in the first week only: an episode that ended.
        closed = DriftAlert.objects.filter(ended_week__isnull=False).select_related("kpi")
        assert [(alert.kpi.key, alert.kind) for alert in closed] == [
            ("transfer-set-rate", "below_target")
        ]
        count = measured.count()

    call_command("load_demo")  # again: nothing added
    with tenant_context(Tenant.objects.get(slug="demo")):
        assert KpiMeasurement.objects.count() == count
        assert DriftAlert.objects.count() == 3
