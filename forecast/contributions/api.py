"""The forecasts resource of the API (computed when read: not in the change feed)."""

from forecast.api import ForecastViewSet
from kernel.api import ApiResource
from kernel.registry import api_resources

api_resources.register("forecast", ApiResource("forecasts", "forecast", ForecastViewSet))
