"""The change feed carries reviews, KPIs and KPI measurements (``kernel.registry.feed_types``)."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register("review", FeedType("review", resource="review"))
feed_types.register("kpi", FeedType("kpi", resource="kpi"))
feed_types.register("kpi_measurement", FeedType("kpi_measurement", resource="kpi-measurement"))
