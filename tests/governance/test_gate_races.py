"""No open items go live, also when work is added while the approval commits (PostgreSQL)."""

import datetime
import functools
import threading

import pytest
from django.db import connection, connections

from accounts.models import Membership
from engagements.services import start_transition
from governance.models import Gate, GateDecision
from governance.services import GateHasOpenItems, approve_gate, request_gate_decision
from kernel.errors import DomainError
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, update_milestone
from tests import factories
from tests.world import add_engagement, build_world, complete_milestone, meet_criteria_and_attest

ROUNDS = 50
OTHER_ROUNDS = 15  # reopening and moving take the same lock: fewer rounds each

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL; CI runs this on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def race(*jobs):
    """Run the jobs at once, each in its own thread (its own connection); their outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            outcomes[index] = job()
        except DomainError as refused:
            outcomes[index] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def kickoff_waiting_for_decision(world, engagement) -> Gate:
    start_transition(actor=world.pmo, engagement=engagement)
    for milestone in Milestone.objects.filter(
        engagement=engagement, phase__kind="kickoff"
    ).order_by("due_date", "id"):
        milestone.refresh_from_db()
        if milestone.status != "done":
            complete_milestone(world, milestone)
    gate = Gate.objects.select_related("phase").get(engagement=engagement, phase__kind="kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    return gate


def in_tenant(tenant, service, **arguments):
    with tenant_context(tenant):
        return service(**arguments)


def test_a_milestone_added_while_the_gate_is_approved_is_refused_or_blocks_the_approval():
    world = build_world("Racing")
    second_pmo = factories.UserFactory()
    Membership.objects.create(user=second_pmo, tenant=world.tenant, role="pmo")
    for round_number in range(ROUNDS):
        with tenant_context(world.tenant):
            engagement = (
                add_engagement(world, name=f"Desk {round_number}")
                if round_number
                else world.engagement
            )
            gate = kickoff_waiting_for_decision(world, engagement)
        title = f"Late addition {round_number}"
        add = functools.partial(
            in_tenant,
            world.tenant,
            create_milestone,
            actor=world.pmo,
            engagement=engagement,
            phase=gate.phase,
            title=title,
            owner=world.provider_lead,
            side="provider",
            due_date=engagement.contract_signed_on + datetime.timedelta(days=3),
        )
        approve = functools.partial(
            in_tenant, world.tenant, approve_gate, actor=second_pmo, gate=gate, comment="Go"
        )

        created, approved = race(add, approve)

        with tenant_context(world.tenant):
            landed = Milestone.objects.filter(phase=gate.phase, title=title).exists()
            decided = GateDecision.objects.filter(gate=gate).exists()
        if isinstance(created, DomainError):
            assert "phase is complete" in created.message, (round_number, created)
            assert isinstance(approved, GateDecision), (round_number, approved)
            assert decided and not landed
        else:
            assert isinstance(approved, GateHasOpenItems), (round_number, created, approved)
            assert f"Open milestone: {title} (not started)" in approved.items
            assert landed and not decided


def _race_an_update_against_the_approval(*, kind: str, rounds: int) -> None:
    world = build_world(f"Racing {kind}")
    second_pmo = factories.UserFactory()
    Membership.objects.create(user=second_pmo, tenant=world.tenant, role="pmo")
    for round_number in range(rounds):
        with tenant_context(world.tenant):
            engagement = (
                add_engagement(world, name=f"Desk {round_number}")
                if round_number
                else world.engagement
            )
            gate = kickoff_waiting_for_decision(world, engagement)
            if kind == "reopen":
                target = (
                    Milestone.objects.filter(engagement=engagement, phase=gate.phase)
                    .exclude(dependents__isnull=False)
                    .order_by("-due_date", "-id")
                    .first()
                )
                change = {"status": "in_progress"}
            else:  # move a milestone of the next phase into the one being approved
                # It depends only on kickoff work, so it may move into the kickoff phase.
                target = Milestone.objects.get(
                    engagement=engagement, playbook_key="closer-handoff-agreed"
                )
                change = {"phase": gate.phase}
        update = functools.partial(
            in_tenant, world.tenant, update_milestone, actor=world.pmo, milestone=target, **change
        )
        approve = functools.partial(
            in_tenant, world.tenant, approve_gate, actor=second_pmo, gate=gate, comment="Go"
        )

        changed, approved = race(update, approve)

        with tenant_context(world.tenant):
            target.refresh_from_db()
            open_in_phase = target.phase_id == gate.phase_id and target.status in Milestone.OPEN
            decided = GateDecision.objects.filter(gate=gate).exists()
        if isinstance(changed, DomainError):
            assert "gate was approved" in changed.message or "is complete" in changed.message, (
                round_number,
                changed,
            )
            assert isinstance(approved, GateDecision) and decided and not open_in_phase
        else:
            assert isinstance(approved, GateHasOpenItems), (round_number, changed, approved)
            assert any(target.title in item for item in approved.items)
            assert open_in_phase and not decided


def test_reopening_a_done_milestone_while_the_gate_is_approved_is_refused_or_blocks_it():
    _race_an_update_against_the_approval(kind="reopen", rounds=OTHER_ROUNDS)


def test_moving_a_milestone_in_while_the_gate_is_approved_is_refused_or_blocks_it():
    _race_an_update_against_the_approval(kind="move", rounds=OTHER_ROUNDS)
