"""A roster on the world's engagement, built through the services as people would."""

from __future__ import annotations

import datetime

from roster import access, services
from roster.models import AccessStep, Person, Requirement, Wave
from tests.world import World

WAVE_START = datetime.date(2026, 1, 19)
# The clock of the roster tests: after the wave starts, before anybody's go-live.
TODAY = datetime.datetime(2026, 2, 2, 10, tzinfo=datetime.UTC)


def add_wave(world: World, number: int = 1, **extra) -> Wave:
    return services.save_wave(
        actor=world.provider_lead,
        engagement=world.engagement,
        number=number,
        start_date=extra.pop("start_date", WAVE_START),
        **extra,
    )


def add_people(
    world: World, wave: Wave, count: int, role: str = "agent", prefix: str = "Agent"
) -> list[Person]:
    return [
        services.add_person(
            actor=world.provider_lead,
            engagement=world.engagement,
            name=f"{prefix} {number:02d}",
            email=f"{prefix.lower().replace(' ', '.')}.{number:02d}.w{wave.number}@example.com",
            role=role,
            wave=wave.number,
            start_date=wave.start_date,
            external_id=f"HR-{wave.number}-{prefix[:2].upper()}{number:03d}",
        )
        for number in range(1, count + 1)
    ]


def requirements(world: World, role: str, kind: str) -> list[Requirement]:
    return list(
        Requirement.objects.filter(engagement=world.engagement, role=role, kind=kind).order_by(
            "position"
        )
    )


def train(world: World, person: Person, *, certify: bool = True) -> None:
    """Every module passed (and the certification, when ``certify``)."""
    for module in requirements(world, person.role, Requirement.Kind.MODULE):
        services.record_result(
            actor=world.provider_lead,
            person=person,
            requirement=module,
            passed=True,
            taken_on=datetime.date(2026, 1, 26),
            assessor=world.provider_staff,
        )
    if certify:
        certify_person(world, person)


def certify_person(world: World, person: Person, *, passed: bool = True, score: int = 90):
    (certification,) = requirements(world, person.role, Requirement.Kind.CERTIFICATION)
    return services.record_result(
        actor=world.provider_lead,
        person=person,
        requirement=certification,
        passed=passed,
        score=score,
        taken_on=datetime.date(2026, 1, 30),
        assessor=world.provider_staff,
    )


def give_access(world: World, people: list[Person]) -> None:
    """Requested, approved by the client, provisioned and verified by the provider."""
    batch = access.request_access(
        actor=world.provider_lead, engagement=world.engagement, people=people
    )
    steps = list(AccessStep.objects.filter(batch=batch).select_related("person", "system"))
    for action, actor in (
        ("approve", world.client_lead),
        ("provision", world.provider_lead),
        ("verify", world.provider_lead),
    ):
        access.advance(actor=actor, engagement=world.engagement, steps=steps, action=action)
