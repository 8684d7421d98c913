"""What a domain registers in ``kernel.registry.search_documents``: a kind of thing people
can find by typing a few words.

The search never widens what the actor may see: it narrows ``visible(actor)``. On
PostgreSQL the words are a full-text query (``websearch_to_tsquery``) over ``vector()``, which
an expression GIN index of the same form maintains (``search/migrations``); elsewhere every
word typed must appear (case-insensitively) in one of the document's ``fields``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db.models import Q, QuerySet

# The text search configuration of every document's vector and of the query (stems English
# words: "migrating" finds "migration").
CONFIG = "english"


@dataclass(frozen=True)
class SearchDocument:
    """``kind`` keys the document, ``label`` names it for people; ``visible(actor)`` is the
    queryset of what the actor may find; ``fields`` are the text fields the words match.

    ``title`` is the attribute path (``milestone.title``) of what a result is called (the
    first field when empty); ``url(row)`` is its page; ``context(row)`` says where it is (the
    engagement, the phase); ``position`` orders the kinds on the results page."""

    kind: str
    label: str
    visible: Callable[[Any], QuerySet]
    fields: tuple[str, ...]
    title: str = ""
    url: Callable[[Any], str] | None = None
    context: Callable[[Any], str] | None = None
    position: int = 100

    def vector(self) -> SearchVector:
        """The full-text document of a row: its ``fields``, as the GIN index holds it."""
        return SearchVector(*self.fields, config=CONFIG)

    def title_of(self, row: Any) -> str:
        value = row
        for name in (self.title or self.fields[0]).replace("__", ".").split("."):
            value = getattr(value, name)
        return str(value)

    def matching(self, queryset: QuerySet, text: str) -> QuerySet:
        """``queryset`` (of this document's model) narrowed to rows matching every word."""
        for word in text.split():
            queryset = queryset.filter(self.holds(word))
        return queryset

    def holds(self, word: str) -> Q:
        """Rows with ``word`` in one of the fields (case-insensitively)."""
        return reduce(or_, (Q(**{f"{field}__icontains": word}) for field in self.fields))

    def search(self, *, actor: Any, text: str) -> QuerySet:
        """What the actor may see that matches ``text``."""
        return self.matching(self.visible(actor), text)
