"""Registries: how a domain offers what it contributes to the rest of the product, so that the
consumers (gates, reminders, exports, calendar feeds, the API, the change feed, playbooks,
search) read a list instead of importing every domain by hand.

A registry has a name and a module name. Each installed app that contributes writes that module
(``<app>/<module>.py``) and calls ``registry.register(...)`` in it; the first reader of the
registry imports that module of every app, in ``INSTALLED_APPS`` order, once. Nothing else
changes when a domain plugs in: the consumers find it. ``docs/architecture.md`` lists the
registries and what each item must provide; ``tests/test_registries.py`` walks every one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from django.utils.module_loading import autodiscover_modules


class Registry:
    """Items keyed by a unique name, in the order they were registered."""

    def __init__(self, name: str, *, module: str) -> None:
        self.name = name
        self.module = module
        self._items: dict[str, Any] = {}
        self._discovered = False
        self._lock = threading.Lock()

    def register(self, key: str, item: Any) -> Any:
        """Add ``item`` under ``key``; a key registered twice is a programming error."""
        if key in self._items and self._items[key] is not item:
            raise ValueError(f"{self.name}: {key!r} is registered twice.")
        self._items[key] = item
        return item

    def _discover(self) -> None:
        if self._discovered:
            return
        with self._lock:
            if not self._discovered:
                autodiscover_modules(self.module)
                self._discovered = True

    def items(self) -> dict[str, Any]:
        """Every registered item by key (the contributing modules are imported first)."""
        self._discover()
        return dict(self._items)

    def get(self, key: str) -> Any:
        """The item registered under ``key``; KeyError names the registry when there is none."""
        self._discover()
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"{self.name}: nothing is registered as {key!r}.") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items().values())

    def __contains__(self, key: str) -> bool:
        self._discover()
        return key in self._items

    def __len__(self) -> int:
        return len(self.items())

    def __repr__(self) -> str:
        return f"<Registry {self.name} from <app>/{self.module}.py>"


# The registries. Each app contributes in ``<app>/contributions/<module>.py``.
gate_criteria = Registry("gate criteria", module="contributions.criteria")
occasions = Registry("reminder occasions", module="contributions.occasions")
exportables = Registry("exportables", module="contributions.exportables")
api_resources = Registry("API resources", module="contributions.api")
feed_types = Registry("change-feed object types", module="contributions.feed")
playbook_sections = Registry("playbook sections", module="contributions.playbook")
search_documents = Registry("search documents", module="contributions.search")
report_sections = Registry("report sections", module="contributions.reports")
calendar_events = Registry("calendar events", module="contributions.calendar")
