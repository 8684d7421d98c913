"""The roster section of a playbook: what each delivery role must pass and be given.

```json
"roster": {
  "systems": [{"key": "crm", "name": "CRM"}],
  "roles": [
    {"key": "agent", "label": "Agent",
     "modules": [{"key": "script-delivery", "name": "Script delivery"}],
     "certification": {"name": "Agent certification", "pass_mark": 80},
     "systems": ["crm"]}
  ]
}
```

``parse`` reads it (every problem named, the playbook refused with the others); ``build``
copies it into a new engagement as ``Requirement`` rows, in one bulk insert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from roster.models import Requirement

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass(frozen=True)
class RoleRequirements:
    key: str
    label: str
    modules: tuple[tuple[str, str], ...]  # (key, name)
    certification: tuple[str, int | None] | None  # (name, pass mark)
    systems: tuple[tuple[str, str], ...]  # (key, name)


@dataclass(frozen=True)
class RosterPlan:
    roles: tuple[RoleRequirements, ...]


def _named(value, where: str, problem: Callable[[str], None]) -> tuple[str, str] | None:
    if not isinstance(value, dict):
        problem(f"roster: {where} must be an object with a key and a name")
        return None
    key, name = value.get("key"), value.get("name")
    if not isinstance(key, str) or not KEY.match(key):
        problem(f"roster: {where} needs a key of lower-case letters, digits and dashes")
        return None
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        problem(f"roster: {where} ({key}) needs a name of at most 120 characters")
        return None
    return key, name.strip()


def parse(value, problem: Callable[[str], None]) -> RosterPlan | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problem("roster: must be an object with systems and roles")
        return None
    systems: dict[str, str] = {}
    for index, item in enumerate(value.get("systems") or []):
        named = _named(item, f"system {index + 1}", problem)
        if named and named[0] in systems:
            problem(f"roster: system {named[0]} is named twice")
        elif named:
            systems[named[0]] = named[1]
    roles_value = value.get("roles")
    if not isinstance(roles_value, list) or not roles_value:
        problem("roster: name at least one role")
        return None
    roles: list[RoleRequirements] = []
    seen: set[str] = set()
    for index, item in enumerate(roles_value):
        if not isinstance(item, dict):
            problem(f"roster: role {index + 1} must be an object")
            continue
        key, label = item.get("key"), item.get("label")
        if not isinstance(key, str) or not KEY.match(key) or len(key) > 40:
            problem(f"roster: role {index + 1} needs a key of lower-case letters and dashes")
            continue
        if key in seen:
            problem(f"roster: role {key} is named twice")
            continue
        seen.add(key)
        modules = []
        for number, module in enumerate(item.get("modules") or []):
            named = _named(module, f"role {key}, module {number + 1}", problem)
            if named and named[0] in {known for known, _name in modules}:
                problem(f"roster: role {key} names module {named[0]} twice")
            elif named:
                modules.append(named)
        certification = None
        if (cert := item.get("certification")) is not None:
            name = cert.get("name") if isinstance(cert, dict) else None
            mark = cert.get("pass_mark") if isinstance(cert, dict) else None
            if not isinstance(name, str) or not name.strip():
                problem(f"roster: role {key}'s certification needs a name")
            elif mark is not None and (not isinstance(mark, int) or not 0 <= mark <= 100):
                problem(f"roster: role {key}'s pass mark must be a whole number from 0 to 100")
            else:
                certification = (name.strip(), mark)
        role_systems = []
        for system in item.get("systems") or []:
            if system not in systems:
                problem(f"roster: role {key} needs system {system!r}, which is not listed")
            else:
                role_systems.append((system, systems[system]))
        roles.append(
            RoleRequirements(
                key=key,
                label=label if isinstance(label, str) and label.strip() else key,
                modules=tuple(modules),
                certification=certification,
                systems=tuple(role_systems),
            )
        )
    return RosterPlan(roles=tuple(roles))


def requirements_of(plan: RosterPlan | None, *, engagement) -> list[Requirement]:
    """Unsaved requirement rows of ``plan`` for ``engagement``."""
    rows: list[Requirement] = []
    if plan is None:
        return rows
    for role in plan.roles:
        position = 0
        for key, name in role.modules:
            position += 1
            rows.append(
                Requirement(
                    tenant_id=engagement.tenant_id,
                    engagement=engagement,
                    role=role.key,
                    kind=Requirement.Kind.MODULE,
                    key=key,
                    name=name,
                    position=position,
                )
            )
        if role.certification is not None:
            position += 1
            name, mark = role.certification
            rows.append(
                Requirement(
                    tenant_id=engagement.tenant_id,
                    engagement=engagement,
                    role=role.key,
                    kind=Requirement.Kind.CERTIFICATION,
                    key="certification",
                    name=name,
                    position=position,
                    pass_mark=mark,
                )
            )
        for key, name in role.systems:
            position += 1
            rows.append(
                Requirement(
                    tenant_id=engagement.tenant_id,
                    engagement=engagement,
                    role=role.key,
                    kind=Requirement.Kind.SYSTEM,
                    key=key,
                    name=name,
                    position=position,
                )
            )
    return rows
