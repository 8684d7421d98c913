"""Readiness, computed from the records and never ticked.

A person is ready when every training module of their role is passed, the role's
certification is passed, and every client system of their role is verified. A wave is ready
when everybody on it (everybody who has not left) is. ``readiness_of`` answers for any number
of people in three queries; the gate's counts are single SQL statements (``not_certified``,
``not_provisioned``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Window
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
        "EXISTS (SELECT 1 FROM roster_requirement rq "  # noqa: S608
        f"WHERE rq.engagement_id = {person}.engagement_id AND rq.role = {person}.role AND ("
        f"(rq.kind IN ('{Requirement.Kind.MODULE}', '{Requirement.Kind.CERTIFICATION}') "
        "AND NOT EXISTS (SELECT 1 FROM roster_result rr "
        f"WHERE rr.person_id = {person}.id AND rr.requirement_id = rq.id AND rr.passed)) "
        f"OR (rq.kind = '{Requirement.Kind.SYSTEM}' "
        "AND NOT EXISTS (SELECT 1 FROM roster_accessstep ra "
        f"WHERE ra.person_id = {person}.id AND ra.system_id = rq.id "
        f"AND ra.status = '{AccessStep.Status.VERIFIED}'))))"
    )


@dataclass(frozen=True)
class WaveCount:
    wave: Wave
    total: int
    short: list[Person]  # the first people who are not there yet, by name
    short_count: int

    @property
    def done(self) -> int:
        return self.total - self.short_count


NAMED = 10


def wave_count(wave: Wave, short: QuerySet[Person]) -> WaveCount:
    """How many of the wave are there, and the first ``NAMED`` who are not, in one statement:
    the first names carry the count of everybody short (a window over the same rows) and the
    wave's size (a count beside them); the size is counted on its own only when nobody is
    short."""
    on_wave = _on_wave(wave).order_by().values("wave_id").annotate(total=Count("pk"))
    named = list(
        short.annotate(
            short_count=Window(Count("pk")), wave_total=Subquery(on_wave.values("total"))
        ).order_by("name", "id")[:NAMED]
    )
    if not named:
        return WaveCount(wave=wave, total=_on_wave(wave).count(), short=[], short_count=0)
    first = named[0]
    return WaveCount(wave=wave, total=first.wave_total, short=named, short_count=first.short_count)


def first_wave(engagement) -> Wave | None:
    return Wave.objects.filter(engagement=engagement).order_by("number").first()
