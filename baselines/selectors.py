"""Reading baselines, and an engagement's plan compared with one of them.

For each milestone and phase: the baseline date, the current plan date, the actual date and
the slip in days (the actual date, or the plan's while it is not done, minus the baseline's).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from baselines.models import Baseline, BaselineMilestone, BaselinePhase
from engagements.models import Engagement, Phase
from kernel.errors import NotFound
from milestones.models import Milestone

if TYPE_CHECKING:
    from accounts.models import User


def baselines_of(*, engagement: Engagement) -> QuerySet[Baseline]:
    """The engagement's baselines, latest first, with who saved them."""
    return (
        Baseline.objects.filter(engagement=engagement)
        .select_related("saved_by")
        .order_by("-saved_at", "-id")
    )


def chosen_baseline(*, engagement: Engagement, name: str | None = None) -> Baseline | None:
    """The baseline called ``name`` (NotFound when there is none), or the latest one."""
    baselines = baselines_of(engagement=engagement)
    if name:
        baseline = baselines.filter(name=name).first()
        if baseline is None:
            raise NotFound(f"This engagement has no baseline called “{name}”.")
        return baseline
    return baselines.first()


def baseline_for(*, actor: User, public_id) -> Baseline:
    """One baseline the actor may see, by its public id (404 otherwise)."""
    baseline = (
        Baseline.objects.visible_to(actor)
        .select_related("engagement", "saved_by")
        .filter(public_id=public_id)
        .first()
    )
    if baseline is None:
        raise NotFound("No such baseline.")
    return baseline


def _slip(baseline: datetime.date | None, outcome: datetime.date | None) -> int | None:
    if baseline is None or outcome is None:
        return None
    return (outcome - baseline).days


@dataclass(frozen=True)
class DateComparison:
    """One milestone or phase against the baseline."""

    label: str
    phase_kind: str
    baseline: datetime.date | None  # None: added after the baseline was saved
    plan: datetime.date | None  # None: deleted since
    actual: datetime.date | None
    milestone: Milestone | None = None
    phase: Phase | None = None
    status: str = ""

    @property
    def slip_days(self) -> int | None:
        return _slip(self.baseline, self.actual or self.plan)

    @property
    def slipped(self) -> bool:
        return (self.slip_days or 0) > 0

    @property
    def slip_words(self) -> str:
        if self.baseline is None:
            return "Not in the baseline"
        if self.plan is None:
            return "Removed since"
        days = self.slip_days
        if days == 0:
            return "On baseline"
        unit = "day" if abs(days) == 1 else "days"
        return f"{days} {unit} late" if days > 0 else f"{-days} {unit} early"


@dataclass
class Comparison:
    baseline: Baseline
    phases: list[DateComparison] = field(default_factory=list)
    milestones: list[DateComparison] = field(default_factory=list)

    @property
    def slipped_milestones(self) -> list[DateComparison]:
        return [row for row in self.milestones if row.slipped]

    @property
    def worst_slip(self) -> int:
        return max((row.slip_days or 0 for row in self.milestones + self.phases), default=0)

    @property
    def summary(self) -> str:
        slipped = self.slipped_milestones
        if not slipped:
            return f"No milestone has slipped against “{self.baseline.name}”."
        count = len(slipped)
        return (
            f"{count} milestone{'s' if count != 1 else ''} slipped against "
            f"“{self.baseline.name}”, the worst by {self.worst_slip} "
            f"day{'s' if self.worst_slip != 1 else ''}."
        )


def compare(*, engagement: Engagement, baseline: Baseline) -> Comparison:
    """The plan against ``baseline``: four queries, whatever the plan's size."""
    zone = zoneinfo.ZoneInfo(engagement.time_zone)
    phases = list(Phase.objects.filter(engagement=engagement).order_by("position"))
    kept_phases = {row.phase_id: row for row in BaselinePhase.objects.filter(baseline=baseline)}
    comparison = Comparison(baseline=baseline)
    for phase in phases:
        kept = kept_phases.get(phase.pk)
        comparison.phases.append(
            DateComparison(
                label=f"{phase.position}. {phase.get_kind_display()}",
                phase_kind=phase.kind,
                baseline=kept.planned_end if kept else None,
                plan=phase.planned_end,
                actual=phase.actual_end,
                phase=phase,
                status=phase.get_status_display(),
            )
        )
    milestones = list(
        Milestone.objects.filter(engagement=engagement)
        .select_related("owner", "phase")
        .order_by("due_date", "id")
    )
    kept_milestones = {
        row.milestone_id: row
        for row in BaselineMilestone.objects.filter(baseline=baseline).order_by("due_date", "id")
    }
    for milestone in milestones:
        kept = kept_milestones.pop(milestone.pk, None)
        done = milestone.status == Milestone.Status.DONE and milestone.completed_at is not None
        comparison.milestones.append(
            DateComparison(
                label=milestone.title,
                phase_kind=milestone.phase.kind,
                baseline=kept.due_date if kept else None,
                plan=milestone.due_date,
                actual=milestone.completed_at.astimezone(zone).date() if done else None,
                milestone=milestone,
                status=milestone.get_status_display(),
            )
        )
    # Milestones deleted since the baseline stay visible: a plan never loses work silently.
    for kept in kept_milestones.values():
        comparison.milestones.append(
            DateComparison(
                label=kept.title,
                phase_kind=kept.phase_kind,
                baseline=kept.due_date,
                plan=None,
                actual=None,
                status="Deleted",
            )
        )
    return comparison


def baseline_phase_dates(*, baseline: Baseline) -> dict[int, BaselinePhase]:
    """The baseline's phase rows by phase id (the timeline's ghost bars): one query."""
    return {row.phase_id: row for row in BaselinePhase.objects.filter(baseline=baseline)}


@dataclass
class LatestDates:
    """The latest baseline's dates, as the engagement page and its timeline show them."""

    baseline: Baseline | None
    milestones: dict[int, datetime.date] = field(default_factory=dict)
    phases: dict[int, BaselinePhase] = field(default_factory=dict)


def latest_dates(*, engagement: Engagement) -> LatestDates:
    """The latest baseline and its dates by milestone and phase id: two queries, the
    baseline read with its phase rows."""
    latest = Baseline.objects.filter(engagement=engagement).order_by("-saved_at", "-id")
    phases = {
        row.phase_id: row
        for row in BaselinePhase.objects.filter(
            baseline__in=latest.values("pk")[:1]
        ).select_related("baseline", "baseline__saved_by")
    }
    if not phases:
        return LatestDates(baseline=None)
    return LatestDates(
        baseline=next(iter(phases.values())).baseline,
        milestones=dict(
            BaselineMilestone.objects.filter(baseline__in=latest.values("pk")[:1]).values_list(
                "milestone_id", "due_date"
            )
        ),
        phases=phases,
    )


def slip_label(*, kept: datetime.date | None, plan: datetime.date) -> str:
    """What a row says beside its date: "+3 d vs baseline" (nothing when on the baseline)."""
    days = _slip(kept, plan)
    if not days:
        return ""
    return f"{'+' if days > 0 else '-'}{abs(days)} d vs baseline {kept:%-d %b}"
