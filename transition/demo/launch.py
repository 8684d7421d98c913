"""The contact-centre launch, day by day: each phase's work done, its gate attested and
approved, the governance agreed, and (from ``transition.demo.kpis``) its measurements and
reviews, each written on the day it happened."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from accounts.models import User
from engagements.models import Engagement
from engagements.plan import day
from milestones.models import Milestone
from milestones.services import update_milestone
from transition.demo.clock import moment_on, on_the_day
from transition.demo.kpis import the_measurements, the_reviews

# Stabilisation work due from this day on is still open: it waits for the day-90 review.
LAUNCH_OPEN_FROM_DAY = 85
# How many days after its planned date each gate of the launch was approved, by phase: on
# time, or the few days late a real plan runs.
LAUNCH_GATE_DAYS_LATE = {
    "kickoff": 1,
    "transition": 0,
    "access": 1,
    "tooling": 0,
    "controlled_go_live": 0,
    "stabilisation": 1,
}


def run_the_launch(*, users: dict[str, User]) -> None:
    """Day LAUNCH_DAY of the contact-centre launch, as it could have happened, written on the
    days it happened (see ``on_the_day``): each phase's work finished on the days before its
    gate, the first five gates attested and approved near their planned dates, stabilisation's
    gate waiting for PMO with its last work open, the measurements imported every Monday (and
    the morning after a review window closed), the reviews at day 14-60 published a day or two
    after their windows closed with each miss explained, and the day-90 review computed and
    waiting for its explanations and answers (once only)."""
    from governance.models import Gate
    from reporting.models import KpiMeasurement

    engagement = Engagement.objects.filter(name="Contact centre launch").first()
    if (
        engagement is None
        or Gate.objects.filter(engagement=engagement, status="approved").exists()
        or KpiMeasurement.objects.filter(kpi__engagement=engagement).exists()
    ):
        return
    steps: list[tuple[datetime.datetime, Callable[[], None]]] = []
    steps.append(
        (
            moment_on(day(engagement.contract_signed_on, 2), 11),
            lambda: agree_the_governance(engagement, users),
        )
    )
    steps += the_plan(engagement, users)
    steps += the_measurements(engagement, users)
    steps += the_reviews(engagement, users)
    steps.sort(key=lambda step: step[0])  # stable: a day's steps keep their order
    for moment, step in steps:
        with on_the_day(moment):
            step()


def the_plan(engagement, users) -> list[tuple[datetime.datetime, Callable[[], None]]]:
    from governance.models import Gate

    steps = []
    previous_gate = moment_on(engagement.contract_signed_on, 9, 30)
    for phase in engagement.phases.order_by("position"):
        gate = Gate.objects.get(engagement=engagement, phase=phase)
        gate_day = phase.planned_end + datetime.timedelta(
            days=LAUNCH_GATE_DAYS_LATE.get(phase.kind, 0)
        )
        milestones = Milestone.objects.filter(phase=phase).order_by("due_date", "id")
        if phase.kind == "stabilisation":
            milestones = milestones.filter(
                due_date__lt=day(engagement.contract_signed_on, LAUNCH_OPEN_FROM_DAY)
            )
        for milestone in milestones:
            # On its due day, or the day before the gate when that came first.
            done_on = min(milestone.due_date, gate_day - datetime.timedelta(days=1))
            when = max(moment_on(done_on, 15), previous_gate + datetime.timedelta(minutes=5))
            steps.append((when, lambda m=milestone: _complete(m, users["pmo"])))
        before = gate_day - datetime.timedelta(days=1)
        if phase.kind == "stabilisation":
            steps.append((moment_on(gate_day, 10), lambda g=gate: _ask_for_the_sign_off(g, users)))
            continue
        # A phase's gate opens when the one before it is approved (the plan's phases overlap).
        attest = max(moment_on(before, 16), previous_gate + datetime.timedelta(minutes=15))
        request = max(moment_on(gate_day, 10), previous_gate + datetime.timedelta(minutes=30))
        approve = request + datetime.timedelta(hours=2)
        steps.append((attest, lambda g=gate: _meet_and_attest(g, users)))
        steps.append((request, lambda g=gate: _request(g, users)))
        steps.append((approve, lambda g=gate: _approve(g, users)))
        previous_gate = approve
    return steps


def _complete(milestone: Milestone, pmo: User) -> None:
    for dependency in milestone.depends_on.exclude(status="done"):
        _complete(dependency, pmo)
    milestone.refresh_from_db()
    if milestone.status != "done":
        update_milestone(
            actor=pmo, milestone=milestone, status="done", evidence="Signed off in the weekly call"
        )


def _meet_and_attest(gate, users) -> None:
    from governance.services import attest_gate, set_criterion_state

    for criterion in gate.criteria.order_by("position"):
        set_criterion_state(
            actor=users["provider.lead"],
            criterion=criterion,
            state="met",
            justification="Evidence in the shared drive",
        )
    if gate.client_attestation_required:
        attest_gate(actor=users["client.lead"], gate=gate, side="client", comment="Agreed")
    if gate.provider_attestation_required:
        attest_gate(actor=users["provider.lead"], gate=gate, side="provider", comment="Agreed")


def _request(gate, users) -> None:
    from governance.services import request_gate_decision

    request_gate_decision(actor=users["provider.lead"], gate=gate)


def _approve(gate, users) -> None:
    from governance.services import approve_gate

    gate.refresh_from_db()
    approve_gate(actor=users["pmo"], gate=gate, comment="Every criterion met; go ahead.")


def _ask_for_the_sign_off(gate, users) -> None:
    """The transition sign-off waits in the PMO queue, its last milestones still open."""
    from governance.services import attest_gate, request_gate_decision

    gate.refresh_from_db()
    if gate.client_attestation_required:
        attest_gate(actor=users["client.lead"], gate=gate, side="client", comment="Agreed")
    request_gate_decision(actor=users["provider.lead"], gate=gate)


def agree_the_governance(engagement, users: dict[str, User]) -> None:
    """A two-level escalation path and the decision rights, agreed in the launch's first days
    (its launch gate asks for the escalation path)."""
    from registers.decision_rights import create_decision_right
    from registers.escalation import add_escalation_level

    pmo, client, provider = users["pmo"], users["client.lead"], users["provider.lead"]
    for name, hours in (("Team leads", 4), ("Operations managers", 24)):
        add_escalation_level(
            actor=pmo,
            engagement=engagement,
            name=name,
            client_contact=client,
            provider_contact=provider,
            response_hours=hours,
        )
    rights = [
        dict(
            area="Scope changes", approver_side="client", consulted="Provider lead", informed="PMO"
        ),
        dict(area="Process changes", approver_side="joint", consulted="Team leads", informed="PMO"),
        dict(
            area="System access", approver=client, consulted="IT security", informed="Provider lead"
        ),
        dict(
            area="Go-live",
            approver_side="pmo",
            consulted="Client and provider leads",
            informed="Everyone on the engagement",
        ),
    ]
    for right in rights:
        create_decision_right(actor=pmo, engagement=engagement, **right)
