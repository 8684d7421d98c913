"""The forecasts of engagements, read from their plan: three queries for any number of
engagements (their phases with gates, their milestones with owners, their dependencies),
whatever their size, so a page of the portfolio costs the same as one engagement."""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from engagements.models import Engagement, Phase
from forecast import model
from milestones.models import Milestone, MilestoneDependency

GO_LIVE = Phase.Kind.CONTROLLED_GO_LIVE


@dataclass(frozen=True)
class GateForecast:
    """One open gate's forecast: ``name`` of the gate, the phase it closes, its plan date
    (``target``), the forecast with its interval, and why it slips."""

    gate_id: object  # the gate's public id
    name: str
    phase_kind: str
    phase_label: str
    target: datetime.date
    forecast: model.Forecast
    reasons: list[model.Reason]
    headline: str
    go_live: bool

    @property
    def date(self) -> datetime.date:
        return self.forecast.date

    @property
    def late(self) -> bool:
        return self.forecast.late

    @property
    def slip_days(self) -> int:
        return self.forecast.slip_days

    @property
    def lead_reason(self) -> str:
        return model.lead_reason(self.reasons) if self.reasons else ""


@dataclass
class EngagementForecast:
    engagement_id: int
    engagement_public_id: object
    today: datetime.date
    gates: list[GateForecast] = field(default_factory=list)

    @property
    def go_live(self) -> GateForecast | None:
        return next((gate for gate in self.gates if gate.go_live), None)


def _owner_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _done_on(status: str, completed_at, due: datetime.date, zone) -> datetime.date | None:
    if status != Milestone.Status.DONE:
        return None
    if completed_at is None:
        return due
    return timezone.localtime(completed_at, zone).date()


def forecasts_for(
    engagements: Sequence[Engagement],
    *,
    today: datetime.date | None = None,
    phases: Iterable[Phase] | None = None,
) -> dict[int, EngagementForecast]:
    """Each engagement's forecast by id: every gate not yet approved, in phase order. Three
    queries whatever the number of engagements and milestones (two when the caller hands over
    the ``phases``, with their gates, it already read). ``today``: the engagements' own dates
    unless given."""
    ids = [engagement.pk for engagement in engagements]
    if not ids:
        return {}
    phases_by_engagement: dict[int, list[Phase]] = defaultdict(list)
    if phases is None:
        phases = (
            Phase.objects.filter(engagement_id__in=ids)
            .select_related("gate")
            .order_by("engagement_id", "position")
        )
    for phase in sorted(phases, key=lambda phase: (phase.engagement_id, phase.position)):
        phases_by_engagement[phase.engagement_id].append(phase)
    depends: dict[int, list[int]] = defaultdict(list)
    for milestone_id, depends_on_id in MilestoneDependency.objects.filter(
        milestone__engagement_id__in=ids
    ).values_list("milestone_id", "depends_on_id"):
        depends[milestone_id].append(depends_on_id)
    rows_by_engagement: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Milestone.objects.filter(engagement_id__in=ids)
        .exclude(status=Milestone.Status.CANCELLED)
        .values_list(
            "engagement_id",
            "id",
            "title",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
            "side",
            "phase_id",
            "due_date",
            "status",
            "completed_at",
            "public_id",
        )
        .order_by("engagement_id", "due_date", "id")
    ):
        rows_by_engagement[row[0]].append(row)
    result = {}
    for engagement in engagements:
        on = today or engagement.today()
        result[engagement.pk] = forecast_engagement(
            engagement=engagement,
            phases=phases_by_engagement[engagement.pk],
            rows=rows_by_engagement[engagement.pk],
            depends=depends,
            today=on,
        )
    return result


def forecast_of(
    *,
    engagement: Engagement,
    today: datetime.date | None = None,
    phases: Iterable[Phase] | None = None,
) -> EngagementForecast:
    """One engagement's forecast (``forecasts_for``)."""
    return forecasts_for([engagement], today=today, phases=phases)[engagement.pk]


def steps_of(
    *, engagement: Engagement, phases: Iterable[Phase], rows: Iterable[tuple], depends
) -> list[model.Step]:
    phase_by_id = {phase.pk: phase for phase in phases}
    zone = zoneinfo.ZoneInfo(engagement.time_zone)
    steps = []
    for (
        _engagement_id,
        milestone_id,
        title,
        first,
        last,
        username,
        side,
        phase_id,
        due,
        status,
        completed_at,
        _public_id,
    ) in rows:
        phase = phase_by_id[phase_id]
        steps.append(
            model.Step(
                key=milestone_id,
                title=title,
                owner=_owner_name(first, last, username),
                side=side,
                phase=phase.position,
                phase_name=phase.get_kind_display().lower(),
                starts=phase.planned_start,
                due=due,
                done_on=_done_on(status, completed_at, due, zone),
                depends_on=tuple(depends.get(milestone_id, ())),
                blocked=status == Milestone.Status.BLOCKED,
            )
        )
    return steps


def forecast_engagement(
    *,
    engagement: Engagement,
    phases: Sequence[Phase],
    rows: Sequence[tuple],
    depends,
    today: datetime.date,
) -> EngagementForecast:
    steps = steps_of(engagement=engagement, phases=phases, rows=rows, depends=depends)
    paces = model.paces(steps, day0=engagement.contract_signed_on, today=today)
    found = EngagementForecast(
        engagement_id=engagement.pk, engagement_public_id=engagement.public_id, today=today
    )
    public_ids = {row[1]: row[-1] for row in rows}
    for phase in phases:
        gate = getattr(phase, "gate", None)
        if gate is None or gate.status == "approved":
            continue
        forecast = model.forecast_gate(
            steps,
            gate_phase=phase.position,
            target=phase.planned_end,
            day0=engagement.contract_signed_on,
            today=today,
            side_paces=paces,
        )
        go_live = phase.kind == GO_LIVE
        # The reasons name milestones by their public ids (the API shows them).
        reasons = [
            dataclasses.replace(reason, keys=tuple(public_ids[key] for key in reason.keys))
            for reason in model.explain(forecast, steps, gate_phase=phase.position, today=today)
        ]
        found.gates.append(
            GateForecast(
                gate_id=gate.public_id,
                name=gate.name,
                phase_kind=phase.kind,
                phase_label=phase.get_kind_display(),
                target=phase.planned_end,
                forecast=forecast,
                reasons=reasons,
                headline=model.headline(
                    forecast, name="Go-live" if go_live else gate.name, reasons=reasons
                ),
                go_live=go_live,
            )
        )
    return found
