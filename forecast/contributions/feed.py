"""The change feed (and webhooks) carry the go-live forecast's slip episodes: one opened when
the forecast passes its target, its forecast moving, and its end when back on target. Each
entry shows the engagement's forecast as the forecasts resource shows it now."""

from kernel.api import FeedType
from kernel.registry import feed_types

feed_types.register(
    "slip_episode",
    FeedType("slip_episode", "forecast", webhook_actions=("created", "updated")),
)
