"""Pages that span apps, one module per area (each helper owns its module)."""

from transition.views.engagement import engagement_detail
from transition.views.portfolio import home

__all__ = ["engagement_detail", "home"]
