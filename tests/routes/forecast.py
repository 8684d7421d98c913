"""Builders for the forecast's routes: its API resource, by the engagement's id."""

from tests.routes import route


@route("api:forecast-detail", engagement_scoped=True)
def engagement_forecast(world):
    return f"/api/v1/forecasts/{world.engagement.public_id}/"
