"""The roster's resources of the API and their change-feed loaders."""

from kernel.api import ApiResource
from kernel.registry import api_resources
from roster.api import (
    AccessStepViewSet,
    PersonViewSet,
    ResultViewSet,
    show_access_steps,
    show_people,
    show_results,
)

api_resources.register(
    "roster-person",
    ApiResource("roster/people", "roster-person", PersonViewSet, show=show_people),
)
api_resources.register(
    "roster-result",
    ApiResource("roster/results", "roster-result", ResultViewSet, show=show_results),
)
api_resources.register(
    "roster-access-step",
    ApiResource(
        "roster/access-steps", "roster-access-step", AccessStepViewSet, show=show_access_steps
    ),
)
