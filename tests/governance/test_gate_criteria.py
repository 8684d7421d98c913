"""A gate lists the open items of every criterion a domain registered in
``kernel.registry.gate_criteria``: governance reads the registry, it imports no domain."""

from __future__ import annotations

import pytest
from django.urls import resolve

from engagements.models import Phase
from engagements.services import start_transition
from governance.models import Gate
from governance.selectors import open_gate_items
from governance.views import gate_url, item_link
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
        if source.link is not None:
            # The page where a person fixes what the source reports is one of this app's.
            path = source.link(world.engagement)
            assert resolve(path) and str(world.engagement.public_id) in path


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


def test_the_gate_page_links_an_automatic_item_where_its_domain_says(kickoff, monkeypatch):
    linked = GateCriterionSource(
        key="tests.linked",
        label="Linked",
        open_items=lambda **_: ["Automatic: linked"],
        link=lambda engagement: f"/somewhere/{engagement.public_id}/",
    )
    unlinked = GateCriterionSource(
        key="tests.unlinked", label="Unlinked", open_items=lambda **_: ["Automatic: unlinked"]
    )
    gate_criteria.items()
    monkeypatch.setitem(gate_criteria._items, linked.key, linked)
    monkeypatch.setitem(gate_criteria._items, unlinked.key, unlinked)

    links = {
        item.label: item_link(kickoff, item)
        for item in open_gate_items(gate=kickoff)
        if item.kind == "automatic"
    }
    assert links["Automatic: linked"] == f"/somewhere/{kickoff.engagement.public_id}/"
    assert links["Automatic: unlinked"] == gate_url(kickoff)
