"""Playbooks: reusable plans that create a whole engagement in one step.

The shipped ones are JSON files in ``engagements/playbooks/`` (see SCHEMA.md); a tenant's own
copies are ``Playbook`` rows holding the same JSON. Both are validated into one
``PlaybookDefinition`` before anything is created from them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from kernel.errors import InvalidInput, NotFound
from kernel.playbook_sections import in_order
from kernel.registry import playbook_sections

PLAYBOOK_DIR = Path(__file__).resolve().parent / "playbooks"
PHASE_ORDER = ["kickoff", "transition", "access", "tooling", "controlled_go_live", "stabilisation"]
REVIEW_DAYS = (14, 30, 45, 60, 90)
SIDES = {"client", "provider", "pmo"}
MILESTONE_SIDES = {"client", "provider", "joint"}


@dataclass(frozen=True)
class RoleDef:
    key: str
    side: str
    label: str


@dataclass(frozen=True)
class MilestoneDef:
    key: str
    title: str
    description: str
    owner_role: str
    side: str
    due_day: int
    evidence_required: bool
    depends_on: tuple[str, ...]
    # Only a plan imported from a file (``plans``) names it; shipped playbooks never do.
    external_id: str | None = None


@dataclass(frozen=True)
class CriterionDef:
    text: str
    required: bool


@dataclass(frozen=True)
class GateDef:
    name: str
    criteria: tuple[CriterionDef, ...]
    client_attestation_required: bool
    provider_attestation_required: bool


@dataclass(frozen=True)
class PhaseDef:
    kind: str
    start_day: int
    end_day: int
    milestones: tuple[MilestoneDef, ...]
    gate: GateDef


@dataclass(frozen=True)
class ReviewDef:
    day: int
    title: str
    window_days: int
    focus: str


@dataclass(frozen=True)
class KpiDef:
    key: str
    name: str
    unit: str
    target: Decimal
    direction: str
    contractual_from_day: int | None


@dataclass(frozen=True)
class PlaybookDefinition:
    key: str
    name: str
    description: str
    source: str
    go_live_day: int
    review_anchor: str
    roles: tuple[RoleDef, ...]
    phases: tuple[PhaseDef, ...]
    reviews: tuple[ReviewDef, ...]
    kpis: tuple[KpiDef, ...]
    # What each registered section with its own ``parse`` read from the document, by key.
    sections: Mapping[str, Any] = field(default_factory=dict)

    @property
    def role_keys(self) -> list[str]:
        return [role.key for role in self.roles]

    @property
    def milestone_count(self) -> int:
        return sum(len(phase.milestones) for phase in self.phases)


class _Reader:
    """Reads one JSON document, collecting every problem with the path where it was found."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def field(
        self, source: dict, name: str, kind: type | tuple, path: str, default: Any = ...
    ) -> Any:
        if not isinstance(source, dict) or name not in source:
            if default is not ...:
                return default
            self.problems.append(f"{path}.{name} is missing")
            return None
        value = source[name]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.problems.append(f"{path}.{name} has the wrong type")
            return None
        return value


def parse_definition(document: Any) -> PlaybookDefinition:
    """Validate a playbook document; InvalidInput lists every problem found."""
    read = _Reader()
    if not isinstance(document, dict):
        raise InvalidInput(
            "A playbook must be a JSON object.",
            errors={"definition": ["A playbook must be a JSON object."]},
        )
    roles = []
    for index, raw in enumerate(read.field(document, "roles", list, "playbook") or []):
        path = f"roles[{index}]"
        role = RoleDef(
            read.field(raw, "key", str, path),
            read.field(raw, "side", str, path),
            read.field(raw, "label", str, path, default=""),
        )
        if role.side is not None and role.side not in SIDES:
            read.problems.append(f"{path}.side must be one of client, provider, pmo")
        roles.append(role)
    role_keys = [role.key for role in roles]
    if len(set(role_keys)) != len(role_keys):
        read.problems.append("roles: each role key may appear once")

    phases: list[PhaseDef] = []
    milestone_days: dict[str, int] = {}
    raw_phases = read.field(document, "phases", list, "playbook") or []
    kinds = [raw.get("kind") if isinstance(raw, dict) else None for raw in raw_phases]
    if kinds != PHASE_ORDER:
        read.problems.append("phases must be exactly: " + ", ".join(PHASE_ORDER))
    for p_index, raw_phase in enumerate(raw_phases):
        p_path = f"phases[{p_index}]"
        start = read.field(raw_phase, "start_day", int, p_path)
        end = read.field(raw_phase, "end_day", int, p_path)
        if start is not None and end is not None and end < start:
            read.problems.append(f"{p_path}: end_day is before start_day")
        milestones = []
        for m_index, raw in enumerate(read.field(raw_phase, "milestones", list, p_path) or []):
            m_path = f"{p_path}.milestones[{m_index}]"
            milestone = MilestoneDef(
                key=read.field(raw, "key", str, m_path),
                title=read.field(raw, "title", str, m_path),
                description=read.field(raw, "description", str, m_path, default=""),
                owner_role=read.field(raw, "owner_role", str, m_path),
                side=read.field(raw, "side", str, m_path),
                due_day=read.field(raw, "due_day", int, m_path),
                evidence_required=read.field(raw, "evidence_required", bool, m_path, default=False),
                depends_on=tuple(read.field(raw, "depends_on", list, m_path, default=[])),
            )
            if milestone.owner_role is not None and milestone.owner_role not in role_keys:
                read.problems.append(
                    f"{m_path}.owner_role “{milestone.owner_role}” is not a declared role"
                )
            if milestone.side is not None and milestone.side not in MILESTONE_SIDES:
                read.problems.append(f"{m_path}.side must be client, provider or joint")
            if milestone.key in milestone_days:
                read.problems.append(f"{m_path}.key “{milestone.key}” is used twice")
            if milestone.key is not None and milestone.due_day is not None:
                milestone_days[milestone.key] = milestone.due_day
            milestones.append(milestone)
        raw_gate = read.field(raw_phase, "gate", dict, p_path) or {}
        g_path = f"{p_path}.gate"
        gate = GateDef(
            name=read.field(raw_gate, "name", str, g_path),
            criteria=tuple(
                CriterionDef(
                    read.field(c, "text", str, f"{g_path}.criteria[{i}]"),
                    read.field(c, "required", bool, f"{g_path}.criteria[{i}]", default=True),
                )
                for i, c in enumerate(read.field(raw_gate, "criteria", list, g_path) or [])
            ),
            client_attestation_required=read.field(
                raw_gate, "client_attestation_required", bool, g_path, default=False
            ),
            provider_attestation_required=read.field(
                raw_gate, "provider_attestation_required", bool, g_path, default=False
            ),
        )
        phases.append(
            PhaseDef(
                kinds[p_index] if p_index < len(kinds) else None,
                start,
                end,
                tuple(milestones),
                gate,
            )
        )

    all_milestones = [m for phase in phases for m in phase.milestones]
    for milestone in all_milestones:
        for dependency in milestone.depends_on:
            if dependency not in milestone_days:
                read.problems.append(
                    f"milestone “{milestone.key}” depends on unknown “{dependency}”"
                )
    if kinds == PHASE_ORDER:
        read.problems.extend(_backward_dependencies(phases))
    if not read.problems and _has_cycle({m.key: m.depends_on for m in all_milestones}):
        read.problems.append("milestone dependencies form a cycle")

    reviews = []
    for index, raw in enumerate(read.field(document, "reviews", list, "playbook") or []):
        path = f"reviews[{index}]"
        reviews.append(
            ReviewDef(
                read.field(raw, "day", int, path),
                read.field(raw, "title", str, path),
                read.field(raw, "window_days", int, path, default=14),
                read.field(raw, "focus", str, path, default=""),
            )
        )
    if sorted(review.day for review in reviews if review.day) != list(REVIEW_DAYS):
        read.problems.append("reviews must be at days 14, 30, 45, 60 and 90, each once")

    kpis = []
    for index, raw in enumerate(read.field(document, "kpis", list, "playbook") or []):
        path = f"kpis[{index}]"
        try:
            target = Decimal(str(read.field(raw, "target", (str, int, float), path)))
        except InvalidOperation:
            read.problems.append(f"{path}.target is not a number")
            target = None
        direction = read.field(raw, "direction", str, path)
        if direction is not None and direction not in {"higher", "lower"}:
            read.problems.append(f"{path}.direction must be higher or lower")
        kpis.append(
            KpiDef(
                read.field(raw, "key", str, path),
                read.field(raw, "name", str, path),
                read.field(raw, "unit", str, path, default=""),
                target,
                direction,
                read.field(raw, "contractual_from_day", int, path, default=None),
            )
        )
    if not kpis:
        read.problems.append("kpis: at least one KPI is needed")

    anchor = read.field(document, "review_anchor", str, "playbook")
    if anchor is not None and anchor not in {"contract_signature", "go_live"}:
        read.problems.append("review_anchor must be contract_signature or go_live")
    sections = {
        section.key: section.parse(document.get(section.key), read.problems.append)
        for section in in_order(playbook_sections)
        if section.parse is not None
    }
    definition = PlaybookDefinition(
        key=read.field(document, "key", str, "playbook"),
        name=read.field(document, "name", str, "playbook"),
        description=read.field(document, "description", str, "playbook", default=""),
        source=read.field(document, "source", str, "playbook", default=""),
        go_live_day=read.field(document, "go_live_day", int, "playbook"),
        review_anchor=anchor,
        roles=tuple(roles),
        phases=tuple(phases),
        reviews=tuple(reviews),
        kpis=tuple(kpis),
        sections=sections,
    )
    if read.problems:
        raise InvalidInput(
            f"The playbook is not valid: {read.problems[0]}", errors={"definition": read.problems}
        )
    return definition


def _backward_dependencies(phases: list[PhaseDef]) -> list[str]:
    """Each dependency that sits in a later phase than the milestone waiting on it.

    Phases open one at a time, each after the previous gate is approved, and a gate needs
    every milestone of its phase done: a milestone waiting on a later phase could never close.
    """
    phase_of = {m.key: phase.kind for phase in phases for m in phase.milestones}
    position = {kind: index for index, kind in enumerate(PHASE_ORDER)}
    problems = []
    for phase in phases:
        for milestone in phase.milestones:
            for dependency in milestone.depends_on:
                later = phase_of.get(dependency)
                if later is not None and position[later] > position[phase.kind]:
                    problems.append(
                        f"milestone “{milestone.key}” ({phase.kind}) depends on "
                        f"“{dependency}” ({later}), a later phase"
                    )
    return problems


def _has_cycle(graph: dict[str, tuple[str, ...]]) -> bool:
    visiting, done = set(), set()

    def visit(node: str) -> bool:
        if node in done:
            return False
        if node in visiting:
            return True
        visiting.add(node)
        if any(visit(next_node) for next_node in graph.get(node, ())):
            return True
        visiting.discard(node)
        done.add(node)
        return False

    return any(visit(node) for node in graph)


@cache
def builtin_playbooks() -> dict[str, PlaybookDefinition]:
    """The shipped playbooks by key, validated once per process."""
    shipped = {}
    for path in sorted(PLAYBOOK_DIR.glob("*.json")):
        definition = parse_definition(json.loads(path.read_text(encoding="utf-8")))
        shipped[definition.key] = definition
    return shipped


def builtin_document(key: str) -> dict:
    path = PLAYBOOK_DIR / f"{key}.json"
    if key not in builtin_playbooks():
        raise NotFound(f"No shipped playbook “{key}”.")
    return json.loads(path.read_text(encoding="utf-8"))


def get_builtin(key: str) -> PlaybookDefinition:
    try:
        return builtin_playbooks()[key]
    except KeyError:
        raise NotFound(f"No shipped playbook “{key}”.") from None
