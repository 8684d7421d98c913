"""The search as a resource of the API: GET /api/v1/search/."""

from kernel.api import ApiResource
from kernel.registry import api_resources
from search.api import SearchViewSet

api_resources.register("search", ApiResource("search", "search", SearchViewSet))
