"""The milestones resource of the API and its change-feed loader."""

from kernel.api import ApiResource
from kernel.registry import api_resources
from milestones.api import MilestoneViewSet, show_milestones

api_resources.register(
    "milestone", ApiResource("milestones", "milestone", MilestoneViewSet, show=show_milestones)
)
