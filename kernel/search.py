"""What a domain registers in ``kernel.registry.search_documents``: a kind of thing people
can find by typing a few words.

Every word typed must appear (case-insensitively) in one of the document's ``fields``; the
search never widens what the actor may see, it narrows ``visible(actor)`` or a queryset built
from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class SearchDocument:
    """``kind`` keys the document, ``label`` names it for people; ``visible(actor)`` is the
    queryset of what the actor may find; ``fields`` are the text fields the words match."""

    kind: str
    label: str
    visible: Callable[[Any], QuerySet]
    fields: tuple[str, ...]

    def matching(self, queryset: QuerySet, text: str) -> QuerySet:
        """``queryset`` (of this document's model) narrowed to rows matching every word."""
        for word in text.split():
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{field}__icontains": word}) for field in self.fields))
            )
        return queryset

    def search(self, *, actor: Any, text: str) -> QuerySet:
        """What the actor may see that matches ``text``."""
        return self.matching(self.visible(actor), text)
