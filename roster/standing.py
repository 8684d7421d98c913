"""Each person's readiness as SQL: the counts that decide it, annotated on the roster's
queryset, so an export streams any number of people in one query and a report counts waves in
one more. The rule is ``roster.readiness``'s (a person is ready when every module and the
certification are passed and every system is verified); ``tests/roster/test_exports.py``
holds the two to the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from roster.models import AccessStep, Person, Requirement, Result, Wave


def _count(queryset: QuerySet, expression=None) -> Coalesce:
    """``SELECT count(...)`` of ``queryset`` as a correlated subquery (0 when none)."""
    counted = (
        queryset.order_by()
        .annotate(one=Value(1, output_field=IntegerField()))
        .values("one")
        .annotate(n=expression or Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _required(kind: str) -> QuerySet[Requirement]:
    return Requirement.objects.filter(
        engagement_id=OuterRef("engagement_id"), role=OuterRef("role"), kind=kind
    )


def with_standing(people: QuerySet[Person]) -> QuerySet[Person]:
    """``people`` with modules_required, modules_passed, certification_required, certified,
    systems_required, systems_verified, waiting_on_client and waiting_on_provider."""
    return people.annotate(
        modules_required=_count(_required(Requirement.Kind.MODULE)),
        modules_passed=_count(
            Result.objects.filter(
                person_id=OuterRef("pk"),
                passed=True,
                requirement__kind=Requirement.Kind.MODULE,
                requirement__role=OuterRef("role"),
            ),
            Count("requirement_id", distinct=True),
        ),
        certification_required=Exists(_required(Requirement.Kind.CERTIFICATION)),
        certified=Exists(
            Result.objects.filter(
                person_id=OuterRef("pk"),
                passed=True,
                requirement__kind=Requirement.Kind.CERTIFICATION,
                requirement__role=OuterRef("role"),
            )
        ),
        systems_required=_count(_required(Requirement.Kind.SYSTEM)),
        systems_verified=_count(
            AccessStep.objects.filter(
                person_id=OuterRef("pk"),
                status=AccessStep.Status.VERIFIED,
                system__role=OuterRef("role"),
            )
        ),
        waiting_on_client=_count(
            AccessStep.objects.filter(person_id=OuterRef("pk"), status=AccessStep.Status.REQUESTED)
        ),
        waiting_on_provider=_count(
            AccessStep.objects.filter(
                person_id=OuterRef("pk"),
                status__in=(AccessStep.Status.APPROVED, AccessStep.Status.PROVISIONED),
            )
        ),
    )


def is_ready(person: Person) -> bool:
    """The readiness rule over the annotated counts."""
    return (
        person.modules_passed >= person.modules_required
        and (person.certified or not person.certification_required)
        and person.systems_verified >= person.systems_required
    )


def missing_words(person: Person) -> str:
    """What the person still lacks, in words ("" when ready)."""
    words = []
    if person.modules_passed < person.modules_required:
        words.append(
            f"{person.modules_required - person.modules_passed} of "
            f"{person.modules_required} modules"
        )
    if person.certification_required and not person.certified:
        words.append("certification")
    if person.systems_verified < person.systems_required:
        words.append(
            f"{person.systems_required - person.systems_verified} of "
            f"{person.systems_required} systems"
        )
    return "; ".join(words)


@dataclass(frozen=True)
class WaveStanding:
    number: int
    label: str
    start_date: object
    go_live_date: object
    people: int
    trained: int  # every module passed
    certified: int
    provisioned: int  # every system verified
    ready: int
    waiting_on_client: int  # access steps
    waiting_on_provider: int


COUNTS = (
    "people",
    "trained",
    "certified",
    "provisioned",
    "ready",
    "waiting_on_client",
    "waiting_on_provider",
)


def waves_standing(engagement) -> list[WaveStanding]:
    """Each wave's counts (who has left is not counted): one query for the people, one for the
    waves."""
    totals: dict[int, dict[str, int]] = {}
    for person in with_standing(
        Person.objects.filter(engagement=engagement, status__in=Person.ON_ROSTER)
    ):
        wave = totals.setdefault(
            person.wave_id,
            dict.fromkeys(COUNTS, 0),
        )
        wave["people"] += 1
        wave["trained"] += person.modules_passed >= person.modules_required
        wave["certified"] += bool(person.certified or not person.certification_required)
        wave["provisioned"] += person.systems_verified >= person.systems_required
        wave["ready"] += is_ready(person)
        wave["waiting_on_client"] += person.waiting_on_client
        wave["waiting_on_provider"] += person.waiting_on_provider
    standings = []
    for wave in Wave.objects.filter(engagement=engagement).order_by("number"):
        counts = totals.get(wave.pk) or dict.fromkeys(COUNTS, 0)
        standings.append(
            WaveStanding(
                number=wave.number,
                label=wave.label,
                start_date=wave.start_date,
                go_live_date=wave.go_live_date,
                **counts,
            )
        )
    return standings
