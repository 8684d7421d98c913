"""A gate lists the open items of every criterion a domain registered in
``kernel.registry.gate_criteria``: governance reads the registry, it imports no domain."""

from __future__ import annotations

import pytest

from engagements.models import Phase
from engagements.services import start_transition
from governance.models import Gate
from governance.selectors import open_gate_items
from kernel.criteria import GateCriterionSource
from kernel.registry import gate_criteria


@pytest.fixture
def kickoff(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    return Gate.objects.select_related("engagement", "phase").get(phase__kind="kickoff")


def test_every_registered_source_answers_for_every_phase_kind(world):
    assert len(gate_criteria) > 0
    for source in gate_criteria:
        assert source.key in gate_criteria and source.label
        for kind in Phase.Kind.values:
            lines = source.open_for(engagement=world.engagement, phase_kind=kind)
            assert all(isinstance(line, str) and line for line in lines)


def test_a_registered_source_blocks_the_gate_with_its_own_lines(kickoff, monkeypatch):
    asked = []

    def open_items(*, engagement, phase_kind):
        asked.append((engagement, phase_kind))
        return ["Automatic: the test source is not satisfied"] if phase_kind == "kickoff" else []

    source = GateCriterionSource(key="tests.source", label="A test source", open_items=open_items)
    gate_criteria.items()  # discover the real sources first, so the test's is added to them
    monkeypatch.setitem(gate_criteria._items, source.key, source)

    automatic = [item for item in open_gate_items(gate=kickoff) if item.kind == "automatic"]

    assert asked == [(kickoff.engagement, "kickoff")]
    assert [(item.label, item.target) for item in automatic] == [
        ("Automatic: the test source is not satisfied", kickoff.engagement)
    ]
