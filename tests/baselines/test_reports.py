"""A review's report compares the plan with a baseline chosen by name, the latest by default."""

from __future__ import annotations

import datetime

from baselines import services
from engagements.models import Phase
from tests.reporting.story import measure_first_days, publish_day_30
from transition.services import reschedule_phase


def report_url(world, review) -> str:
    return f"/engagements/{world.engagement.public_id}/kpis/reports/{review.public_id}/"


def test_the_report_compares_with_the_latest_baseline_or_one_chosen_by_name(world, client):
    measure_first_days(world)
    review = publish_day_30(world)
    services.save_baseline(actor=world.pmo, engagement=world.engagement, name="Signed plan")
    access = Phase.objects.get(engagement=world.engagement, kind="access")
    reschedule_phase(
        actor=world.pmo,
        phase=access,
        planned_end=access.planned_end + datetime.timedelta(days=7),
        reason="Badges late",
    )
    services.save_baseline(actor=world.pmo, engagement=world.engagement, name="Re-plan")
    client.force_login(world.provider_lead)

    latest = client.get(report_url(world, review)).text
    assert "The plan against “Re-plan”" in latest
    assert "No milestone has slipped against “Re-plan”" in latest

    chosen = client.get(report_url(world, review), {"baseline": "Signed plan"}).text
    assert "The plan against “Signed plan”" in chosen
    assert "slipped against “Signed plan”, the worst by 7 days" in chosen
    assert "+7" in chosen

    unknown = client.get(report_url(world, review), {"baseline": "Nope"})
    assert unknown.status_code == 200
    assert "This engagement has no baseline called “Nope”: the latest is shown." in unknown.text
    assert "The plan against “Re-plan”" in unknown.text
