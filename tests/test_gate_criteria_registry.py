"""Every registered gate criterion source (``kernel.registry.gate_criteria``), whatever domain
registered it (a later one too): it is a ``GateCriterionSource`` under its own key, and asked
about each phase of an engagement it answers open-item lines, without writing anything."""

from __future__ import annotations

import pytest

from audit.models import Event
from engagements.models import Phase
from kernel.criteria import GateCriterionSource
from kernel.registry import gate_criteria
from tests.registers.support import agree_escalation_path


def sources():
    return [pytest.param(key, source, id=key) for key, source in gate_criteria.items().items()]


def test_the_registers_offer_their_escalation_path_criterion():
    assert "registers.escalation_path" in gate_criteria


@pytest.mark.parametrize(("key", "source"), sources())
def test_each_source_answers_open_items_for_every_phase(world, key, source):
    assert isinstance(source, GateCriterionSource)
    assert source.key == key
    assert source.label.strip()
    events = Event.objects.count()
    for kind in Phase.Kind.values:
        lines = source.open_for(engagement=world.engagement, phase_kind=kind)
        assert isinstance(lines, list)
        assert all(isinstance(line, str) and line.strip() for line in lines)
    assert Event.objects.count() == events


def test_the_escalation_path_criterion_blocks_go_live_until_two_levels(world):
    source = gate_criteria.get("registers.escalation_path")
    go_live = Phase.Kind.CONTROLLED_GO_LIVE
    assert source.open_for(engagement=world.engagement, phase_kind=go_live) == [
        "Automatic: an escalation path with at least two levels (none so far)"
    ]
    assert source.open_for(engagement=world.engagement, phase_kind=Phase.Kind.TOOLING) == []
    agree_escalation_path(world, levels=2)
    assert source.open_for(engagement=world.engagement, phase_kind=go_live) == []
