"""The baselines' resource of the API and its change-feed loader."""

from baselines.api import BaselineViewSet, show_baselines
from kernel.api import ApiResource
from kernel.registry import api_resources

api_resources.register(
    "baseline", ApiResource("baselines", "baseline", BaselineViewSet, show=show_baselines)
)
