"""An engagement's health on the portfolio: red, amber or green, with its reasons in words.

One function decides it from numbers the portfolio selector has already annotated on every
row in the same query (overdue milestones, the next gate's planned date, the status), so the
rule is tested without a database and costs no query per engagement.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

RED, AMBER, GREEN = "red", "amber", "green"
_SEVERITY = {GREEN: 0, AMBER: 1, RED: 2}
LABELS = {RED: "Red", AMBER: "Amber", GREEN: "Green"}

# From this many overdue milestones the plan is slipping, not just late in places.
RED_FROM_OVERDUE_MILESTONES = 3


@dataclass(frozen=True)
class Health:
    level: str
    reasons: list[str] = field(default_factory=list)

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
) -> Health:
    """Red, amber or green and why, worst reason first.

    - a gate past its planned date (the phase before it has not been approved in time): red;
    - overdue milestones: amber, red from ``RED_FROM_OVERDUE_MILESTONES``;
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
    if status == "on_hold":
        findings.append((AMBER, "On hold: no gate can be decided until it resumes."))
    if not findings:
        return Health(GREEN, ["On track: nothing overdue."])
    findings.sort(key=lambda finding: -_SEVERITY[finding[0]])
    return Health(findings[0][0], [reason for _level, reason in findings])
