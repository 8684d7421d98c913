"""A search result's snippet as safe HTML: the text escaped, the matches in <mark>.

PostgreSQL's ``ts_headline`` copies the document as it is (a ``<script>`` in a comment stays
one), so it marks matches with two private-use characters instead of tags; ``marked`` escapes
everything and only then turns those into ``<mark>``. Elsewhere ``snippet`` finds the words
itself.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

START, STOP = "\ue000", "\ue001"
BEFORE, AFTER = 60, 160  # characters of context around the first match (no full-text engine)


def marked(text: str) -> SafeString:
    """``text`` with START...STOP spans as <mark>, everything else escaped; unbalanced
    markers (typed by somebody) never leave a tag open."""
    out, open_ = [], False
    for piece in re.split(f"([{START}{STOP}])", text):
        if piece == START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(escape(piece))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text was escaped above


def snippet(text: str, words: list[str]) -> SafeString:
    """The part of ``text`` around the first word found, every word found marked."""
    text = text.replace(START, "").replace(STOP, "")
    if not words:
        return marked(text[: BEFORE + AFTER])
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    first = pattern.search(text)
    start = max(0, first.start() - BEFORE) if first else 0
    end = min(len(text), start + BEFORE + AFTER)
    window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text[start:end])
    return marked(("…" if start else "") + window + ("…" if end < len(text) else ""))
