"""The search: the words checked once, then one query per kind of document, each narrowed to
what the actor may see in the active tenant and carrying its own count.

On PostgreSQL a kind's query is a full-text match (``websearch_to_tsquery``: quotes, ``or``
and ``-word`` work, punctuation is harmless) that the expression GIN index of
``search/migrations/0001`` answers, ranked, with ``ts_headline`` snippets; elsewhere every
word must appear in one of the document's fields (``icontains``) and the snippet is cut here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, TextField, Value, Window
from django.db.models.functions import Concat
from django.utils.safestring import SafeString

from kernel.errors import InvalidInput
from kernel.registry import search_documents
from kernel.search import CONFIG, SearchDocument
from kernel.text import unstorable_text
from search.highlight import START, STOP, marked, snippet

MAX_LENGTH = 200  # characters of a search
PER_KIND = 5  # results of each kind on the first page of every kind
PAGE_SIZE = 20  # results of one kind per page
MAX_PAGE_SIZE = 100
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    kind: str
    public_id: Any
    title: str
    snippet: SafeString
    url: str
    context: str


@dataclass
class Group:
    kind: str
    label: str
    count: int
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    page_size: int = PER_KIND

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def documents() -> list[SearchDocument]:
    """Every registered kind, in the order the results page shows them."""
    return sorted(search_documents, key=lambda document: (document.position, document.kind))


def kinds() -> list[str]:
    return [document.kind for document in documents()]


def clean_query(text: str | None) -> str:
    """The search as typed, trimmed; refused (naming ``q``) when it is empty, too long, only
    punctuation or holds characters no text holds."""
    text = (text or "").strip()
    if not text:
        problem = "Type a word to search for."
    elif len(text) > MAX_LENGTH:
        problem = (
            f"A search is at most {MAX_LENGTH} characters; this one has {len(text)}. "
            "Use a few distinctive words."
        )
    elif problem := unstorable_text(text):
        pass
    elif not WORD.search(text):
        problem = "Type at least one letter or digit: punctuation alone finds nothing."
    if problem:
        raise InvalidInput(problem, errors={"q": [problem]})
    return text


def clean_kind(kind: str | None) -> str | None:
    if kind in (None, ""):
        return None
    if kind not in kinds():
        problem = f"Unknown kind; use one of: {', '.join(kinds())}."
        raise InvalidInput(problem, errors={"kind": [problem]})
    return kind


def clean_whole(name: str, raw: str | None, *, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        problem = f"Use a whole number from 1 to {maximum}."
        raise InvalidInput(problem, errors={name: [problem]})
    return int(raw)


def search(
    *,
    actor: Any,
    text: str,
    kind: str | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> list[Group]:
    """What the actor may see in the active tenant that matches ``text`` (already cleaned),
    grouped by kind: every kind (its first ``PER_KIND``), or one kind's ``page``."""
    chosen = [d for d in documents() if kind is None or d.kind == kind]
    size = page_size or (PAGE_SIZE if kind else PER_KIND)
    return [_group(document, actor, text, page, size) for document in chosen]


def _group(document: SearchDocument, actor: Any, text: str, page: int, size: int) -> Group:
    offset = (page - 1) * size
    if connection.vendor == "postgresql":
        rows, words = _fulltext(document, actor, text), None
    else:
        words, left_out = _plain_terms(text)
        rows = document.matching(document.visible(actor), " ".join(words))
        for word in left_out:
            rows = rows.exclude(document.holds(word))
        rows = rows.annotate(_total=Window(Count("pk"))).order_by("-pk")
    found = list(rows[offset : offset + size])
    if found:
        count = found[0]._total
    elif offset:
        count = rows.count()  # beyond the last page: the count alone
    else:
        count = 0
    return Group(
        kind=document.kind,
        label=document.label,
        count=count,
        hits=[_hit(document, row, words) for row in found],
        page=page,
        page_size=size,
    )


def _plain_terms(text: str) -> tuple[list[str], list[str]]:
    """Without full-text search: the words every match holds, and those it must not (typed
    as ``-word``); ``or`` and quotes are read as plain words and spaces."""
    words, left_out = [], []
    for token in text.split():
        if token.lower() == "or":
            continue
        found = WORD.findall(token)
        (left_out if token.startswith("-") else words).extend(found)
    return words, left_out


def _fulltext(document: SearchDocument, actor: Any, text: str):
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    fields = document.fields
    body = (
        F(fields[0])
        if len(fields) == 1
        else Concat(
            *[part for name in fields for part in (F(name), Value(" · "))][:-1],
            output_field=TextField(),
        )
    )
    return (
        document.visible(actor)
        .alias(_document=document.vector())
        .filter(_document=query)
        .annotate(
            _rank=SearchRank(document.vector(), query),
            _total=Window(Count("pk")),
            _headline=SearchHeadline(
                body,
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-_rank", "-pk")
    )


def _hit(document: SearchDocument, row: Any, words: list[str] | None) -> Hit:
    if words is None:
        shown = marked(row._headline)
    else:
        text = " · ".join(str(getattr(row, name)) for name in document.fields if getattr(row, name))
        shown = snippet(text, words)
    return Hit(
        kind=document.kind,
        public_id=row.public_id,
        title=document.title_of(row),
        snippet=shown,
        url=document.url(row) if document.url else "",
        context=document.context(row) if document.context else "",
    )
