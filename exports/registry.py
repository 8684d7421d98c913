"""The exports on offer, as the pages list them: read from ``kernel.registry.exportables``,
where each domain registers its own (``<app>/contributions/exportables.py``; the item type
and the column builders are in ``kernel.exportables``)."""

from __future__ import annotations

from kernel import registry
from kernel.exportables import Exportable


def exportables(scope: str) -> list[Exportable]:
    """The exports of a scope, in the order the pages list them."""
    found = [each for each in registry.exportables if each.scope == scope]
    return sorted(found, key=lambda each: each.position)


def exportable(scope: str, kind: str) -> Exportable | None:
    return registry.exportables.items().get(f"{scope}/{kind}")
