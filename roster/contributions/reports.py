"""The readiness section of the day-14 and day-30 review reports: each wave's counts, so the
review sees who is trained, certified and given access, and who is waiting on whom."""

from __future__ import annotations

from typing import Any

from kernel.registry import report_sections
from kernel.report_sections import ReportSection
from roster.standing import waves_standing


def readiness(*, engagement: Any, review: Any) -> dict | None:
    waves = waves_standing(engagement)
    if not waves:
        return None  # no roster yet: nothing to report
    return {"waves": waves, "as_of": engagement.today()}


report_sections.register(
    "roster.readiness",
    ReportSection(
        key="readiness",
        title="Readiness of the roster",
        days=frozenset({14, 30}),
        content=readiness,
        template="roster/report_readiness.html",
        position=10,
    ),
)
