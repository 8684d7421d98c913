"""A playbook's milestones (and their dependencies), each in its phase, due on day N."""

from __future__ import annotations

from kernel.playbook_sections import PlaybookBuild, PlaybookSection
from kernel.registry import playbook_sections
from milestones.builders import build_milestones_from_playbook


def build(plan: PlaybookBuild) -> list:
    return build_milestones_from_playbook(
        engagement=plan.engagement, phases=plan.phases, playbook=plan.playbook, owners=plan.owners
    )


playbook_sections.register(
    "milestones", PlaybookSection(key="milestones", order=20, label="Milestones", build=build)
)
