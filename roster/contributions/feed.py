"""The change feed (and so the webhooks that follow it) carries the roster's people, results
and access steps, each shown as its API resource shows it now: an erased person as erased."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register("roster_person", FeedType("roster_person", resource="roster-person"))
feed_types.register("roster_result", FeedType("roster_result", resource="roster-result"))
feed_types.register(
    "roster_access_step", FeedType("roster_access_step", resource="roster-access-step")
)
