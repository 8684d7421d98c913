"""The change feed (and webhooks) carry every baseline saved: at the start, at each gate
approval, or by PMO."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register("baseline", FeedType("baseline", "baseline", webhook_actions=("created",)))
