"""What a domain offers the REST API and its change feed: the item types of
``kernel.registry.api_resources`` and ``kernel.registry.feed_types``.

The API's router routes every registered resource, in the order they were registered, at
``/api/v1/<prefix>/`` with the URL names ``api:<basename>-list`` and ``api:<basename>-detail``.
The change feed carries the events of every registered feed type, each entry showing its
object as the API resource the type names shows it now (``ApiResource.show``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# (the reader, or None for a tenant-wide one; public ids) -> {public id: representation}
Show = Callable[[Any, list[str]], dict[str, dict]]


@dataclass(frozen=True)
class ApiResource:
    """One resource of the REST API."""

    prefix: str  # the URL segment: /api/v1/<prefix>/
    basename: str  # the URL names' stem, and the ``type`` of its change-feed entries
    viewset: Any
    # How the change feed loads the objects of the page it shows, in one query (None: the
    # resource is not in the feed).
    show: Show | None = None


@dataclass(frozen=True)
class FeedType:
    """An ``audit.Event.object_type`` the change feed carries, each entry showing its object
    as the API resource ``resource`` (a basename of ``api_resources``) shows it."""

    object_type: str
    resource: str
    # The actions a webhook subscription may ask for, each as the event type
    # ``<object_type>.<action>`` (e.g. ``roster_person.updated``); none: not in webhooks.
    webhook_actions: tuple[str, ...] = ()
