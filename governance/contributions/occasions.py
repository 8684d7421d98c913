"""The reminders a gate is the occasion for: a decision requested and not made within a day
(to PMO, daily), and required criteria still open two days before its phase's planned end (to
PMO and the leads)."""

# SQL here is assembled from constants of this module only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections.abc import Callable

from engagements.permissions import is_pmo, is_pmo_or_lead
from engagements.reminders import LEADS, PMO_SEATS, TENANT_PMO, engagement_path, quiet_reason
from governance.models import Gate, GateCriterion
from kernel import registry
from kernel.occasions import (
    Described,
    DueQuery,
    LedgerRow,
    Occasion,
    ReminderSettings,
    Window,
    placeholders,
    sql_date,
    sql_moment,
)

AWAITING_DECISION = "gate_awaiting_decision"
CRITERIA_OPEN = "gate_criteria_open"
GATE_WAIT = datetime.timedelta(hours=24)
CRITERIA_DAYS_BEFORE_END = 2


def awaiting_decision(window: Window) -> DueQuery:
    latest_cutoff = max(zone.eight_at for zone in window.zones) - GATE_WAIT
    return DueQuery(
        due=(
            "SELECT g.id, g.engagement_id, g.requested_at FROM governance_gate g "
            "WHERE g.status = 'requested' AND g.requested_at <= %s"
        ),
        due_params=[sql_moment(latest_cutoff)],
        alias="g",
        when="g.requested_at <= z.gate_cutoff",
        routes=(TENANT_PMO, PMO_SEATS),
        zone_dates=(("gate_cutoff", lambda zone: sql_moment(zone.eight_at - GATE_WAIT)),),
    )


def criteria_open(window: Window) -> DueQuery:
    ends = window.shifted(CRITERIA_DAYS_BEFORE_END)
    days_on = datetime.timedelta(days=CRITERIA_DAYS_BEFORE_END)
    return DueQuery(
        due=(
            "SELECT g.id, g.engagement_id, ph.planned_end FROM engagements_phase ph "
            "JOIN governance_gate g ON g.phase_id = ph.id WHERE ph.status <> 'complete' "
            f"AND ph.planned_end IN ({placeholders(ends)}) "
            "AND g.status IN ('open', 'rejected') AND EXISTS (SELECT 1 FROM "
            "governance_gatecriterion c WHERE c.gate_id = g.id AND c.required "
            "AND c.state = 'not_met')"
        ),
        due_params=ends,
        alias="g",
        when="g.planned_end = z.criteria_end",
        routes=(TENANT_PMO, PMO_SEATS, LEADS),
        zone_dates=(("criteria_end", lambda zone: sql_date(zone.local_date + days_on)),),
    )


def describe_awaiting(row: LedgerRow, gate: Gate) -> Described:
    engagement = gate.engagement
    if gate.status != Gate.Status.REQUESTED:
        return Described(skip=f"the gate is {gate.get_status_display().lower()}")
    if not is_pmo(user=row.recipient, engagement=engagement):
        return Described(skip="the recipient is no longer PMO here")
    return Described(
        title=f"Gate “{gate.name}” is waiting for a PMO decision",
        body=(
            f"A decision was requested on {gate.requested_at:%A %d %B %Y at %H:%M} UTC "
            "and has not been made."
        ),
        link=f"{engagement_path(engagement)}gates/{gate.public_id}/",
        engagement_link=engagement_path(engagement),
        facts=[("Gate", gate.name), ("Phase", str(gate.phase))],
    )


def describe_criteria(row: LedgerRow, gate: Gate) -> Described:
    engagement, phase, user = gate.engagement, gate.phase, row.recipient
    if gate.status not in (Gate.Status.OPEN, Gate.Status.REJECTED) or phase.status == "complete":
        return Described(skip=f"the gate is {gate.get_status_display().lower()}")
    if (phase.planned_end - row.occasion_date).days != CRITERIA_DAYS_BEFORE_END:
        return Described(skip="the phase's planned end moved")
    if not is_pmo_or_lead(user=user, engagement=engagement):
        return Described(skip="the recipient is no longer PMO or a lead here")
    still_open = list(
        GateCriterion.objects.filter(gate=gate, required=True, state=GateCriterion.State.NOT_MET)
        .order_by("position", "id")
        .values_list("text", flat=True)
    )
    if not still_open:
        return Described(skip="every required criterion is met")
    return Described(
        title=(
            f"{len(still_open)} required "
            f"{'criterion' if len(still_open) == 1 else 'criteria'} of “{gate.name}” still open"
        ),
        body=(
            f"The {phase} phase is planned to end on {phase.planned_end:%A %d %B %Y}. Open: "
            + "; ".join(still_open)
            + "."
        ),
        link=f"{engagement_path(engagement)}gates/{gate.public_id}/#criteria",
        engagement_link=engagement_path(engagement),
        facts=[("Gate", gate.name), ("Phase ends", phase.planned_end.isoformat())],
    )


def describer(then: Callable[[LedgerRow, Gate], Described]):
    def describe(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
        gate = Gate.objects.select_related("engagement", "phase").filter(pk=row.object_id).first()
        if gate is None:
            return Described(skip="the gate was deleted")
        if quiet := quiet_reason(gate.engagement):
            return Described(skip=quiet)
        return then(row, gate)

    return describe


for kind, query, words in (
    (AWAITING_DECISION, awaiting_decision, describe_awaiting),
    (CRITERIA_OPEN, criteria_open, describe_criteria),
):
    registry.occasions.register(kind, Occasion(kind=kind, query=query, describe=describer(words)))
