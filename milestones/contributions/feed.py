"""The change feed carries milestones (``kernel.registry.feed_types``)."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register("milestone", FeedType("milestone", resource="milestone"))
