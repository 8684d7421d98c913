"""The roster section of a playbook: each role's modules, certification and client systems."""

from __future__ import annotations

from kernel.playbook_sections import PlaybookBuild, PlaybookSection
from kernel.registry import playbook_sections
from roster.models import Requirement
from roster.playbook import parse, requirements_of


def build(plan: PlaybookBuild) -> list:
    rows = requirements_of(plan.playbook.sections.get("roster"), engagement=plan.engagement)
    return Requirement.objects.bulk_create(rows) if rows else []


playbook_sections.register(
    "roster",
    PlaybookSection(key="roster", order=50, label="Readiness roster", build=build, parse=parse),
)
