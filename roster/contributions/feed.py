"""The change feed (and so the webhooks that follow it) carries the roster's people, results
and access steps, each shown as its API resource shows it now: an erased person as erased."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register(
    "roster_person",
    FeedType("roster_person", "roster-person", webhook_actions=("created", "updated")),
)
feed_types.register(
    "roster_result", FeedType("roster_result", "roster-result", webhook_actions=("created",))
)
feed_types.register(
    "roster_access_step",
    FeedType("roster_access_step", "roster-access-step", webhook_actions=("created", "updated")),
)
