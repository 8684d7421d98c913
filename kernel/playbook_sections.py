"""What a domain registers in ``kernel.registry.playbook_sections``: the part of a new
engagement it builds from a playbook.

``transition.services.create_engagement_from_playbook`` creates the engagement, its seats and
its phases (``engagements.services.build_engagement``), then runs every registered section in
``order``, each in a fixed number of bulk inserts and without events: the caller records every
created row in the audit trail at once, in the order the sections return them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlaybookBuild:
    """What a section builds from: the engagement just created, its phases (in playbook
    order), the parsed playbook (``engagements.playbooks.PlaybookDefinition``) and the person
    named for each owner role."""

    engagement: Any
    phases: list[Any]
    playbook: Any
    owners: Mapping[str, Any]


@dataclass(frozen=True)
class PlaybookSection:
    """One section of a playbook and the domain's builder for it.

    ``build`` writes the section's rows for one new engagement and returns them (every row
    created, for the audit trail); ``order`` places it among the sections (lower first: a
    section may rely on the rows of the sections before it); ``label`` names it for people.
    """

    key: str
    order: int
    label: str
    build: Callable[[PlaybookBuild], list[Any]]
    # Reads the section's own part of a playbook document (the value under ``key``, None when
    # the document has none) and returns what ``build`` needs, found in
    # ``playbook.sections[key]``; each problem goes to ``problem(message)``, and the playbook
    # is refused naming them all. None: the section is read by ``engagements.playbooks``
    # itself (phases, milestones, gates, reviews and KPIs refer to each other).
    parse: Callable[[Any, Callable[[str], None]], Any] | None = None


def in_order(sections: Iterable[PlaybookSection]) -> list[PlaybookSection]:
    """The sections in the order they are built (by ``order``, then ``key``)."""
    return sorted(sections, key=lambda section: (section.order, section.key))
