"""The RAID register's resource of the API."""

from kernel.api import ApiResource
from kernel.registry import api_resources
from registers.api import RaidItemViewSet

api_resources.register("raid-item", ApiResource("raid-items", "raid-item", RaidItemViewSet))
