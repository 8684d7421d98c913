"""The change feed carries gates and their criteria (``kernel.registry.feed_types``)."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register("gate", FeedType("gate", resource="gate"))
feed_types.register("gate_criterion", FeedType("gate_criterion", resource="gate-criterion"))
