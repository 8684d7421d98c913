"""How an engagement stands on the portfolio: red, amber or green, with its reasons in words.

One function decides it from numbers the portfolio selector has already annotated on every
row in the same query (overdue milestones, the next gate's planned date, the status, KPI
misses at the latest review, open drift alerts, open high risks), so the rule is tested
without a database and costs no query per engagement. The rules are tabled in the README.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

RED, AMBER, GREEN = "red", "amber", "green"
_SEVERITY = {GREEN: 0, AMBER: 1, RED: 2}
LABELS = {RED: "Red", AMBER: "Amber", GREEN: "Green"}

# From this many overdue milestones the plan is slipping, not just late in places.
RED_FROM_OVERDUE_MILESTONES = 3
# A RAID risk scoring this much (probability x impact, 1-25) and still open makes it red.
HIGH_RISK_SCORE = 15


@dataclass(frozen=True)
class Health:
    level: str
    reasons: list[str] = field(default_factory=list)
    drifting: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.level]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def engagement_health(
    *,
    status: str,
    overdue_milestones: int,
    next_gate_name: str | None,
    next_gate_due: datetime.date | None,
    today: datetime.date,
    kpi_misses: int = 0,
    kpi_review_day: int | None = None,
    kpis_below_target: int = 0,
    kpis_worsening: int = 0,
    high_risks: int = 0,
) -> Health:
    """Red, amber or green and why, worst reason first.

    - a gate past its planned date (the phase before it has not been approved in time): red;
    - open RAID risks scoring ``HIGH_RISK_SCORE`` or more: red;
    - overdue milestones: amber, red from ``RED_FROM_OVERDUE_MILESTONES``;
    - KPIs missed at the latest published or refreshed review (``kpi_review_day``): amber;
    - KPIs below target now (an open "below target" drift alert): amber;
    - KPIs worse three weeks running (an open "worsening" drift alert): amber;
    - on hold: amber (nothing moves while it waits);
    - closed: green, nothing left to watch.
    """
    if status == "closed":
        return Health(GREEN, ["Closed: nothing left to watch."])
    findings: list[tuple[str, str]] = []
    if next_gate_due is not None and next_gate_due < today:
        late = (today - next_gate_due).days
        findings.append(
            (
                RED,
                f"Gate “{next_gate_name or 'next gate'}” was planned for "
                f"{next_gate_due.day} {next_gate_due:%b %Y} ({_plural(late, 'day')} ago) and is "
                "not approved.",
            )
        )
    if overdue_milestones:
        level = RED if overdue_milestones >= RED_FROM_OVERDUE_MILESTONES else AMBER
        findings.append((level, f"{_plural(overdue_milestones, 'milestone')} overdue."))
    if high_risks:
        findings.append(
            (
                RED,
                f"{_plural(high_risks, 'open risk')} scored {HIGH_RISK_SCORE} or more "
                "(probability x impact).",
            )
        )
    if kpi_misses:
        review = f"day-{kpi_review_day} review" if kpi_review_day else "latest review"
        findings.append((AMBER, f"{_plural(kpi_misses, 'KPI')} missed at the {review}."))
    if kpis_below_target:
        findings.append(
            (
                AMBER,
                f"Drift: {_plural(kpis_below_target, 'KPI')} below target now (open drift alert).",
            )
        )
    if kpis_worsening:
        findings.append(
            (
                AMBER,
                f"Drift: {_plural(kpis_worsening, 'KPI')} worse three weeks running "
                "(open drift alert).",
            )
        )
    if status == "on_hold":
        findings.append((AMBER, "On hold: no gate can be decided until it resumes."))
    if not findings:
        return Health(GREEN, ["On track: nothing overdue."])
    findings.sort(key=lambda finding: -_SEVERITY[finding[0]])
    return Health(
        findings[0][0],
        [reason for _level, reason in findings],
        drifting=bool(kpis_below_target or kpis_worsening),
    )
