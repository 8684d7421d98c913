"""Builders for the forecast's routes: its API resource, by the engagement's id."""

import datetime

from forecast.models import SlipEpisode
from tests.routes import populates, route


@route("api:forecast-detail", engagement_scoped=True)
def engagement_forecast(world):
    return f"/api/v1/forecasts/{world.engagement.public_id}/"


@populates
def a_slip_episode(world):
    SlipEpisode.objects.get_or_create(
        tenant=world.tenant,
        engagement=world.engagement,
        ended_on=None,
        defaults={
            "started_on": datetime.date(2026, 2, 2),
            "target": datetime.date(2026, 4, 1),
            "forecast": datetime.date(2026, 4, 20),
            "worst_forecast": datetime.date(2026, 4, 20),
        },
    )
