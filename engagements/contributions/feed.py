"""The change feed carries engagements and their phases (``kernel.registry.feed_types``)."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register("engagement", FeedType("engagement", resource="engagement"))
feed_types.register("phase", FeedType("phase", resource="phase"))
