"""Readiness, computed from the records and never ticked.

A person is ready when every training module of their role is passed, the role's
certification is passed, and every client system of their role is verified. A wave is ready
when everybody on it (everybody who has not left) is. ``readiness_of`` answers for any number
of people in three queries. A gate's check of wave 1 (``gate_shortfall``) is two statements
whatever the wave's size; ``not_certified`` and ``not_provisioned`` are the same rule as
querysets, and ``not_ready_sql`` the whole rule as SQL for the reminder scan.
"""

# SQL here is assembled from constants of the code only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from roster.models import AccessStep, Person, Requirement, Result, Wave


@dataclass(frozen=True)
class Cell:
    """One requirement of one person: where it stands, for the heat map."""

    requirement: Requirement
    state: str  # passed, failed, none (modules and certification); a step status or none
    done: bool
    # Who the requirement waits on now: provider (training, certification, provisioning,
    # verification) or client (approval); None when done or refused.
    waiting_on: str | None
    detail: str = ""


@dataclass
class Readiness:
    person: Person
    cells: list[Cell] = field(default_factory=list)

    @property
    def missing(self) -> list[Cell]:
        return [cell for cell in self.cells if not cell.done]

    @property
    def ready(self) -> bool:
        return not self.missing

    def missing_words(self) -> list[str]:
        words = []
        for cell in self.missing:
            requirement = cell.requirement
            if requirement.kind == Requirement.Kind.SYSTEM:
                state = "not requested" if cell.state == "none" else cell.state
                words.append(f"{requirement.name} access {state}")
            elif cell.state == "failed":
                words.append(f"{requirement.name} failed (no pass yet)")
            else:
                words.append(f"{requirement.name} not passed")
        return words


def requirements_by_role(engagement) -> dict[str, list[Requirement]]:
    by_role: dict[str, list[Requirement]] = defaultdict(list)
    for requirement in Requirement.objects.filter(engagement=engagement).order_by(
        "role", "position", "id"
    ):
        by_role[requirement.role].append(requirement)
    return dict(by_role)


def readiness_of(
    people: Iterable[Person],
    *,
    engagement,
    requirements: dict[str, list[Requirement]] | None = None,
) -> list[Readiness]:
    """Every person's cells, in three queries whatever their number (requirements, results,
    access steps)."""
    people = list(people)
    if requirements is None:
        requirements = requirements_by_role(engagement)
    ids = [person.pk for person in people]
    results: dict[tuple[int, int], str] = {}
    for person_id, requirement_id, passed in (
        Result.objects.filter(person_id__in=ids)
        .order_by("attempt")
        .values_list("person_id", "requirement_id", "passed")
    ):
        key = (person_id, requirement_id)
        # A pass stands; otherwise the latest attempt's failure.
        if results.get(key) != "passed":
            results[key] = "passed" if passed else "failed"
    steps: dict[tuple[int, int], str] = {
        (person_id, system_id): status
        for person_id, system_id, status in AccessStep.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "system_id", "status")
    }
    out = []
    for person in people:
        readiness = Readiness(person=person)
        for requirement in requirements.get(person.role, []):
            key = (person.pk, requirement.pk)
            if requirement.kind == Requirement.Kind.SYSTEM:
                state = steps.get(key, "none")
                done = state == AccessStep.Status.VERIFIED
                waiting_on = AccessStep.WAITING_ON.get(state)
                if state == "none":
                    waiting_on = "provider"  # the provider requests access for its people
            else:
                state = results.get(key, "none")
                done = state == "passed"
                waiting_on = None if done else "provider"
            readiness.cells.append(
                Cell(requirement=requirement, state=state, done=done, waiting_on=waiting_on)
            )
        out.append(readiness)
    return out


def readiness_of_person(person: Person) -> Readiness:
    return readiness_of([person], engagement=person.engagement)[0]


# --- The gate's counts: one statement each --------------------------------------------------


def _on_wave(wave: Wave) -> QuerySet[Person]:
    return Person.objects.filter(wave=wave, status__in=Person.ON_ROSTER)


def not_certified(wave: Wave) -> QuerySet[Person]:
    """People of the wave whose role has a certification they have not passed.

    The roles' certifications are read first (one small query), so that each person costs one
    index probe of their passed results for their role's certification."""
    short = Q(pk__in=[])
    for role, pk in Requirement.objects.filter(
        engagement_id=wave.engagement_id, kind=Requirement.Kind.CERTIFICATION
    ).values_list("role", "pk"):
        passed = Result.objects.filter(person_id=OuterRef("pk"), requirement_id=pk, passed=True)
        short |= Q(role=role) & ~Q(Exists(passed))
    return _on_wave(wave).filter(short)


def not_provisioned(wave: Wave) -> QuerySet[Person]:
    """People of the wave with a required client system not yet verified: fewer verified
    steps on their role's systems than their role has systems (a step is one per person and
    system). The role's systems are read first (one small query), so that each person costs
    one index range of their own steps, not a probe per person and system."""
    systems: dict[str, list[int]] = defaultdict(list)
    for role, pk in Requirement.objects.filter(
        engagement_id=wave.engagement_id, kind=Requirement.Kind.SYSTEM
    ).values_list("role", "pk"):
        systems[role].append(pk)
    counts, short = {}, Q(pk__in=[])
    for number, (role, ids) in enumerate(sorted(systems.items())):
        name = f"verified_{number}"
        counts[name] = Coalesce(
            Subquery(
                AccessStep.objects.filter(
                    person_id=OuterRef("pk"), status=AccessStep.Status.VERIFIED, system_id__in=ids
                )
                .order_by()
                .values("person_id")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        )
        short |= Q(role=role, **{f"{name}__lt": len(ids)})
    return _on_wave(wave).alias(**counts).filter(short)


def not_ready_sql(person: str) -> str:
    """The same rule as SQL, for the reminder scan: the person (table alias ``person``, a
    ``roster_person`` row) is not ready when a module or the certification of their role has no
    passed result, or a system of their role has no verified access step. Constants only."""
    return (
        "EXISTS (SELECT 1 FROM roster_requirement rq "
        f"WHERE rq.engagement_id = {person}.engagement_id AND rq.role = {person}.role AND ("
        f"(rq.kind IN ('{Requirement.Kind.MODULE}', '{Requirement.Kind.CERTIFICATION}') "
        "AND NOT EXISTS (SELECT 1 FROM roster_result rr "
        f"WHERE rr.person_id = {person}.id AND rr.requirement_id = rq.id AND rr.passed)) "
        f"OR (rq.kind = '{Requirement.Kind.SYSTEM}' "
        "AND NOT EXISTS (SELECT 1 FROM roster_accessstep ra "
        f"WHERE ra.person_id = {person}.id AND ra.system_id = rq.id "
        f"AND ra.status = '{AccessStep.Status.VERIFIED}'))))"
    )


# --- The gate's check as the gate page and an approval ask it: two statements ---------------


# How many of the people short a gate's open item names.
NAMED = 10


@dataclass(frozen=True)
class Shortfall:
    """Wave 1 against one gate check: its label, its size, how many are short of the check
    and the first ``NAMED`` of them by name."""

    label: str
    total: int
    short_count: int
    names: list[str]

    @property
    def done(self) -> int:
        return self.total - self.short_count


_ON_ROSTER = ", ".join(f"'{status}'" for status in Person.ON_ROSTER)
# Short of the certification, for the person ``p``, against ``req`` (the engagement's
# certifications): inside CASE, so that PostgreSQL probes each person's own results through
# ``one_result_per_attempt`` instead of hashing every passed result of the table.
_NOT_CERTIFIED = (
    "EXISTS (SELECT 1 FROM req q WHERE q.role = p.role) AND NOT EXISTS ("
    "SELECT 1 FROM roster_result r WHERE r.person_id = p.id AND r.passed "
    "AND r.requirement_id = (SELECT q.id FROM req q WHERE q.role = p.role))"
)


def _not_provisioned(systems: dict[str, list[int]]) -> tuple[str, list]:
    """Short of access, for the person ``p``: fewer verified steps on their role's systems
    than the role has, one alternative per role with its system ids as parameters, so that
    each person costs one range of their own steps (with the ids in SQL instead, PostgreSQL
    probes each person x system)."""
    alternatives, params = [], []
    for role, ids in sorted(systems.items()):
        alternatives.append(
            "(p.role = %s AND (SELECT COUNT(*) FROM roster_accessstep a "
            f"WHERE a.person_id = p.id AND a.status = '{AccessStep.Status.VERIFIED}' "
            f"AND a.system_id IN ({', '.join(['%s'] * len(ids))})) < %s)"
        )
        params += [role, *ids, len(ids)]
    return " OR ".join(alternatives), params


_GATE_SQL = (
    "WITH wave AS MATERIALIZED (SELECT w.id, w.number, w.name FROM roster_wave w "
    "WHERE w.tenant_id = %s AND w.engagement_id = %s ORDER BY w.number LIMIT 1), "
    "req AS MATERIALIZED (SELECT q.id, q.role FROM roster_requirement q "
    "WHERE q.tenant_id = %s AND q.engagement_id = %s AND q.kind = %s), "
    "s AS MATERIALIZED (SELECT p.id, p.name, CASE WHEN ({short}) THEN 1 ELSE 0 END AS short "
    "FROM roster_person p WHERE p.wave_id = (SELECT id FROM wave) "
    f"AND p.status IN ({_ON_ROSTER})) "
    "SELECT s.name, s.short, COUNT(*) OVER (), SUM(s.short) OVER (), "
    "(SELECT number FROM wave), (SELECT name FROM wave) FROM s "
    "ORDER BY s.short DESC, s.name, s.id LIMIT {named}"
)


def gate_shortfall(engagement, check: str) -> Shortfall | None:
    """Wave 1 against ``check`` ("certification": the role's certification passed; "access":
    every system of the role verified), the same rule as ``not_certified`` and
    ``not_provisioned``, in one statement whatever the wave's size (access: two, the role's
    systems read first): one pass over wave 1
    flagging each person short or not (materialized, so that the flag is not worked out again
    for the sort); windows count the wave and the short; the short come first, by name. None
    when there is no wave 1 or nobody on it."""
    kind = Requirement.Kind.CERTIFICATION if check == "certification" else Requirement.Kind.SYSTEM
    scope = [engagement.tenant_id, engagement.pk, engagement.tenant_id, engagement.pk, kind]
    with connection.cursor() as cursor:
        if check == "certification":
            short, params = _NOT_CERTIFIED, []
        else:
            cursor.execute(
                "SELECT q.role, q.id FROM roster_requirement q "
                "WHERE q.tenant_id = %s AND q.engagement_id = %s AND q.kind = %s",
                [engagement.tenant_id, engagement.pk, kind],
            )
            systems: dict[str, list[int]] = defaultdict(list)
            for role, pk in cursor.fetchall():
                systems[role].append(pk)
            if not systems:
                return None
            short, params = _not_provisioned(systems)
        cursor.execute(_GATE_SQL.format(short=short, named=NAMED), [*scope, *params])
        rows = cursor.fetchall()
    if not rows:
        return None
    number, name = rows[0][4], rows[0][5]
    return Shortfall(
        label=name or f"Wave {number}",
        total=rows[0][2],
        short_count=int(rows[0][3]),
        names=[row[0] for row in rows if row[1]],
    )
