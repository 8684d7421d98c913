"""The item of the ``report_sections`` registry: a part of the review reports a domain writes.

The review reports (``reporting.reports``) show the KPIs, the misses, the plan and the gate
decisions; a domain above reporting adds what it alone knows (the roster: each wave's
readiness) without reporting importing it. It registers a ``ReportSection`` in
``<app>/contributions/reports.py``; ``build_report`` walks ``kernel.registry.report_sections``
for the review's day, asks each section for its content, and the report's body includes the
section's template with it (in the table of contents too, before the gate decisions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReportSection:
    key: str  # the section's anchor in the report
    title: str
    days: frozenset[int]  # the reviews it is part of (14, 30, 60, 90)
    # ``content(engagement=, review=)``: what the template shows (a few queries, whatever the
    # engagement's size); None leaves the section out of that report.
    content: Callable[..., Any]
    template: str  # rendered with ``section`` (this) and ``content``
    position: int = 0
