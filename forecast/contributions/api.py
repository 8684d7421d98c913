"""The forecasts resource of the API (computed when read); the change feed shows a slip
episode as its engagement's forecast."""

from forecast.api import ForecastViewSet, show_slip_episodes
from kernel.api import ApiResource
from kernel.registry import api_resources

api_resources.register(
    "forecast",
    ApiResource("forecasts", "forecast", ForecastViewSet, show=show_slip_episodes),
)
