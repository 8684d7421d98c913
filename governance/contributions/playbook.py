"""A playbook's gates: one at the end of every phase, with its criteria."""

from __future__ import annotations

from governance.services import build_gates_from_playbook
from kernel.playbook_sections import PlaybookBuild, PlaybookSection
from kernel.registry import playbook_sections


def build(plan: PlaybookBuild) -> list:
    gates, criteria = build_gates_from_playbook(
        engagement=plan.engagement, phases=plan.phases, playbook=plan.playbook
    )
    return [*gates, *criteria]


playbook_sections.register(
    "gates", PlaybookSection(key="gates", order=30, label="Gates and criteria", build=build)
)
