"""Every playbook section a domain registers (``kernel.registry.playbook_sections``) builds its
rows for a new engagement, and the instantiation builds exactly the registered sections."""

from __future__ import annotations

import pytest

from engagements.models import Engagement
from engagements.playbooks import builtin_document, get_builtin, parse_definition
from engagements.services import build_engagement
from kernel.errors import InvalidInput
from kernel.playbook_sections import PlaybookBuild, PlaybookSection, in_order
from kernel.registry import playbook_sections
from tests.world import DAY0, owners_for


def test_the_domains_build_milestones_then_gates_then_reviews():
    assert [section.key for section in in_order(playbook_sections)] == [
        "milestones",
        "gates",
        "reviews",
        "roster",
    ]


def test_every_registered_section_builds_rows_of_the_new_engagement(world):
    playbook = get_builtin("contact-centre-90-day")
    owners = owners_for(playbook.key, world.__dict__)
    engagement, _members, phases = build_engagement(
        tenant=world.tenant,
        playbook=playbook,
        name="Walked",
        client_name="A",
        provider_name="B",
        contract_signed_on=DAY0,
        seats={},
    )
    plan = PlaybookBuild(engagement=engagement, phases=phases, playbook=playbook, owners=owners)
    for section in in_order(playbook_sections):
        assert section.label
        rows = section.build(plan)
        assert rows, section.key
        for row in rows:
            assert row.pk is not None, section.key
            assert row.tenant_id == engagement.tenant_id
            owner = getattr(row, "engagement", None) or row.gate.engagement
            assert isinstance(owner, Engagement) and owner.pk == engagement.pk, section.key


def test_a_section_of_a_new_domain_reads_its_own_part_of_the_playbook(monkeypatch):
    """A domain that plugs in (say the readiness roster) reads its own section of a playbook
    through ``parse``, without ``engagements.playbooks`` knowing it; its problems refuse the
    playbook beside every other one."""

    def parse(value, problem):
        if not isinstance(value, list) or not value:
            problem("roster: name at least one role")
            return ()
        return tuple(role["role"] for role in value)

    playbook_sections.items()  # discovered before the test's own is added
    section = PlaybookSection(
        key="roster", order=50, label="Roster", build=lambda plan: [], parse=parse
    )
    monkeypatch.setitem(playbook_sections._items, "roster", section)
    document = builtin_document("contact-centre-90-day")

    read = parse_definition({**document, "roster": [{"role": "agent"}, {"role": "QA"}]})
    assert read.sections == {"roster": ("agent", "QA")}

    with pytest.raises(InvalidInput) as refused:
        parse_definition({**document, "roster": []})
    assert "roster: name at least one role" in refused.value.errors["definition"]
