"""The engagement page: where it stands, its phase timeline, and its milestones to work on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from baselines.selectors import latest_dates, slip_label
from engagements.models import Phase
from engagements.navigation import portfolio_trail
from forecast.selectors import forecast_of
from kernel.errors import NotFound
from milestones import bulk
from milestones.filters import EngagementMilestoneFilter
from milestones.models import Milestone
from milestones.rows import MilestoneRow, build_rows
from transition import selectors
from transition.portfolio import engagement_health_for
from transition.timeline import ForecastInput, build_timeline

CURRENT = (Phase.Status.ACTIVE, Phase.Status.AWAITING_DECISION)


@dataclass
class PhaseGroup:
    phase: Phase
    rows: list[MilestoneRow]
    current: bool

    @property
    def locked(self) -> bool:
        """An approved gate froze the phase: its rows are read-only."""
        return self.phase.status == Phase.Status.COMPLETE


def group_by_phase(
    phases: list[Phase], milestones: list[Milestone], rows: list[MilestoneRow], *, keep_empty: bool
) -> list[PhaseGroup]:
    """The current phase first, then the others in order; each with its milestones' rows."""
    by_phase: dict[int, list[MilestoneRow]] = {phase.pk: [] for phase in phases}
    for milestone, row in zip(milestones, rows, strict=True):
        by_phase[milestone.phase_id].append(row)
    ordered = sorted(phases, key=lambda phase: (phase.status not in CURRENT, phase.position))
    return [
        PhaseGroup(phase=phase, rows=by_phase[phase.pk], current=phase.status in CURRENT)
        for phase in ordered
        if keep_empty or by_phase[phase.pk]
    ]


def _wants_fragment(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though htmx sends it.
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
def engagement_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if request.tenant is None:
        raise NotFound("No such engagement.")
    engagement = selectors.engagement_overview(actor=request.user, public_id=public_id)
    today = engagement.today()
    phases = list(engagement.phases.all())
    filters = EngagementMilestoneFilter(
        request.GET or None,
        queryset=selectors.engagement_milestones(engagement=engagement),
        engagement=engagement,
        actor=request.user,
        today=today,
    )
    milestones = list(filters.qs)
    # Rows read their phase and engagement from these objects, not one query each.
    phase_by_id = {phase.pk: phase for phase in phases}
    for milestone in milestones:
        milestone.engagement = engagement
        milestone.phase = phase_by_id[milestone.phase_id]
    rows = build_rows(milestones, engagement=engagement, actor=request.user, today=today)
    # Against the latest baseline: a moved milestone says by how much beside its due date.
    kept = latest_dates(engagement=engagement)
    for milestone, row in zip(milestones, rows, strict=True):
        row.baseline_slip = slip_label(
            kept=kept.milestones.get(milestone.pk), plan=milestone.due_date
        )
    for phase in phases:
        phase_kept = kept.phases.get(phase.pk)
        phase.baseline_slip = (
            slip_label(kept=phase_kept.planned_end, plan=phase.planned_end) if phase_kept else ""
        )
    filtering = filters.is_filtering
    context = {
        "engagement": engagement,
        "today": today,
        "filters": filters,
        "filtering": filtering,
        "groups": group_by_phase(phases, milestones, rows, keep_empty=not filtering),
        "shown": len(milestones),
        "total": filters.queryset.count() if filtering else len(milestones),
        "page_url": reverse("engagements:detail", args=[engagement.public_id]),
        "baseline": kept.baseline,
        "baseline_slipped": sum(bool(row.baseline_slip) for row in rows),
    }
    if _wants_fragment(request):
        response = render(request, "engagements/detail.html#milestone-list", context)
    else:
        forecast = forecast_of(engagement=engagement, today=today, phases=phases)
        phase_of_gate = {
            phase.gate.public_id: phase.pk for phase in phases if hasattr(phase, "gate")
        }
        context.update(
            {
                "forecast": forecast,
                "nav_section": "portfolio",
                "breadcrumbs": portfolio_trail((engagement.name, None)),
                "day_number": (today - engagement.contract_signed_on).days,
                "starts_in_days": (engagement.contract_signed_on - today).days,
                "current_phase": next((p for p in phases if p.status in CURRENT), None),
                "health": engagement_health_for(
                    actor=request.user, engagement=engagement, today=today
                ),
                # The bar that changes the rows ticked on this page (milestones.views_bulk).
                **bulk.bar_context(
                    engagement_ids=[engagement.pk],
                    next_url=request.get_full_path(),
                    actor=request.user,
                ),
                "timeline": build_timeline(
                    engagement=engagement,
                    phases=phases,
                    baselines=(
                        {pk: row.planned_end for pk, row in kept.phases.items()}
                        if kept.baseline
                        else selectors.planned_gate_dates(engagement=engagement)
                    ),
                    today=today,
                    baseline_spans={
                        pk: (row.planned_start, row.planned_end) for pk, row in kept.phases.items()
                    },
                    baseline_name=kept.baseline.name if kept.baseline else "",
                    forecasts={
                        phase_of_gate[gate.gate_id]: ForecastInput(
                            date=gate.date,
                            low=gate.forecast.low,
                            high=gate.forecast.high,
                            late=gate.late,
                            words=gate.headline,
                        )
                        for gate in forecast.gates
                    },
                ),
            }
        )
        response = render(request, "engagements/detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response
