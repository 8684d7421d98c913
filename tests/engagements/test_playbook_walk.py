"""Every shipped playbook can be walked phase by phase, as people would, to a stabilised service.

Each phase's milestones are closed by their owners through the real service, in dependency
order, while every later phase is still untouched: a milestone that waits on a later phase
would make its own gate impossible to pass, and this walk would stop there.
"""

from graphlib import TopologicalSorter

import pytest

from engagements.models import Engagement, Phase
from engagements.playbooks import builtin_playbooks
from engagements.services import start_transition
from governance.models import Gate
from governance.services import approve_gate, request_gate_decision
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.registers.support import agree_escalation_path
from tests.world import build_world, meet_criteria_and_attest

SHIPPED = sorted(builtin_playbooks())


def _close_phase_milestones(*, kind: str) -> list[str]:
    """Owners mark their milestones done, dependencies first; returns the keys in that order."""
    in_phase = {
        m.pk: m
        for m in Milestone.objects.filter(phase__kind=kind)
        .select_related("owner")
        .prefetch_related("depends_on__phase")
    }
    waits_on = {}
    for milestone in in_phase.values():
        for dependency in milestone.depends_on.all():
            if dependency.pk not in in_phase:
                # Only this and earlier phases may be waited on, and those are done already.
                assert dependency.status == Milestone.Status.DONE, (
                    f"“{milestone.playbook_key}” ({kind}) waits on “{dependency.playbook_key}” "
                    f"({dependency.phase.kind}), which is {dependency.status}"
                )
        waits_on[milestone.pk] = [d.pk for d in milestone.depends_on.all() if d.pk in in_phase]
    closed = []
    for pk in TopologicalSorter(waits_on).static_order():
        milestone = in_phase[pk]
        proof = {"evidence": f"Proof for {milestone.title}"} if milestone.evidence_required else {}
        done = update_milestone(actor=milestone.owner, milestone=milestone, status="done", **proof)
        assert done.status == Milestone.Status.DONE
        closed.append(milestone.playbook_key)
    return closed


@pytest.mark.parametrize("key", SHIPPED)
def test_each_shipped_playbook_walks_phase_by_phase_to_stabilised(db, key):
    playbook = builtin_playbooks()[key]
    world = build_world("Walk", playbook_key=key)
    with tenant_context(world.tenant):
        engagement = start_transition(actor=world.pmo, engagement=world.engagement)
        agree_escalation_path(world)  # controlled go-live needs one (registers)
        for index, planned in enumerate(playbook.phases):
            later_kinds = [p.kind for p in playbook.phases[index + 1 :]]
            phase = Phase.objects.get(kind=planned.kind)
            assert phase.status == Phase.Status.ACTIVE

            closed = _close_phase_milestones(kind=planned.kind)

            assert sorted(closed) == sorted(m.key for m in planned.milestones)
            # Nothing of a later phase was touched to get here.
            assert not Milestone.objects.filter(phase__kind__in=later_kinds).exclude(
                status=Milestone.Status.NOT_STARTED
            )
            gate = Gate.objects.get(phase__kind=planned.kind)
            meet_criteria_and_attest(world, gate)
            request_gate_decision(actor=world.provider_lead, gate=gate)
            approve_gate(actor=world.pmo, gate=gate, comment=f"{planned.gate.name} passed")

            phase.refresh_from_db()
            assert phase.status == Phase.Status.COMPLETE
            if later_kinds:
                assert Phase.objects.get(kind=later_kinds[0]).status == Phase.Status.ACTIVE

        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.STABILISED
        assert set(engagement.phases.values_list("status", flat=True)) == {Phase.Status.COMPLETE}
        assert set(Gate.objects.values_list("status", flat=True)) == {Gate.Status.APPROVED}
        assert Milestone.objects.exclude(status=Milestone.Status.DONE).count() == 0
