"""Every playbook section a domain registers (``kernel.registry.playbook_sections``) builds its
rows for a new engagement, and the instantiation builds exactly the registered sections."""

from __future__ import annotations

from engagements.models import Engagement
from engagements.playbooks import get_builtin
from engagements.services import build_engagement
from kernel.playbook_sections import PlaybookBuild, in_order
from kernel.registry import playbook_sections
from tests.world import DAY0, owners_for


def test_the_domains_build_milestones_then_gates_then_reviews():
    assert [section.key for section in in_order(playbook_sections)] == [
        "milestones",
        "gates",
        "reviews",
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
