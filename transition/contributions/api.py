"""The engagements, phases and members resources of the API and their change-feed loaders."""

from api.feed import serialized
from engagements.models import Engagement, Phase
from kernel.api import ApiResource
from kernel.registry import api_resources
from transition.api import (
    EngagementSerializer,
    EngagementViewSet,
    MemberViewSet,
    PhaseSerializer,
    PhaseViewSet,
)

api_resources.register(
    "engagement",
    ApiResource(
        "engagements",
        "engagement",
        EngagementViewSet,
        show=serialized(Engagement, EngagementSerializer),
    ),
)
api_resources.register(
    "phase",
    ApiResource(
        "phases",
        "phase",
        PhaseViewSet,
        show=serialized(
            Phase, PhaseSerializer, lambda queryset: queryset.select_related("engagement", "gate")
        ),
    ),
)
api_resources.register("member", ApiResource("members", "member", MemberViewSet))
