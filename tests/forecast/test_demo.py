"""The demo's forecast (issue 19): ``pmo`` finds the claims desk's go-live forecast past its
target with the reasons, on the engagement page and the portfolio, and was alerted once."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Tenant, User
from engagements.models import Engagement
from forecast.models import SlipEpisode
from forecast.selectors import forecast_of
from kernel.tenancy import tenant_context
from notifications.models import Notification
from transition.demo.forecast import NAME

pytestmark = pytest.mark.dates

TODAY = datetime.datetime(2026, 12, 6, 10, tzinfo=datetime.UTC)


def test_the_demo_has_an_engagement_whose_go_live_forecast_passed_its_target(
    db, settings, tmp_path, client
):
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "demo-logins.txt"
    with time_machine.travel(TODAY, tick=False):
        call_command("load_demo", stdout=io.StringIO())
        call_command("load_demo", stdout=io.StringIO())  # again: nothing added
        pmo = User.objects.get(username="pmo")
        with tenant_context(Tenant.objects.get(slug="demo")):
            desk = Engagement.objects.get(name=NAME)
            go_live = forecast_of(engagement=desk).go_live
            episodes = list(SlipEpisode.objects.filter(engagement=desk))
            alerts = Notification.objects.filter(recipient=pmo, kind="forecast_past_target")
            assert alerts.count() == 1
        client.force_login(pmo)
        page = client.get(f"/engagements/{desk.public_id}/").content.decode()

    assert go_live.late and go_live.reasons
    assert any("waiting on the client" in reason.text for reason in go_live.reasons)
    assert len(episodes) == 1 and episodes[0].open
    assert go_live.headline in page.replace("&#x27;", "'")
