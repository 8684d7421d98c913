"""Routes of the readiness roster: the heat map, a person and the forms on their page, waves,
access requests and batches. A foreign engagement's person, wave or batch answers 404; a
competing provider (the walk's second engagement, with its own provider) never sees a roster."""

from __future__ import annotations

import datetime

from roster import access, services
from roster.models import AccessBatch, Person, Wave
from tests.routes import populates, route

START = datetime.date(2026, 1, 19)


def _base(world) -> str:
    return f"/engagements/{world.engagement.public_id}/roster/"


def _wave(world) -> Wave:
    wave = Wave.objects.filter(engagement=world.engagement).order_by("number").first()
    return wave or services.save_wave(
        actor=world.pmo, engagement=world.engagement, number=1, start_date=START
    )


def _person(world) -> Person:
    person = Person.objects.filter(engagement=world.engagement).order_by("pk").first()
    return person or services.add_person(
        actor=world.pmo,
        engagement=world.engagement,
        name="Route Walker",
        email="route.walker@example.com",
        role="agent",
        wave=_wave(world).number,
        start_date=START,
    )


def _batch(world) -> AccessBatch:
    batch = AccessBatch.objects.filter(engagement=world.engagement).order_by("pk").first()
    return batch or access.request_access(
        actor=world.pmo, engagement=world.engagement, people=[_person(world)]
    )


@route("roster:roster", engagement_scoped=True)
def roster(world):
    return _base(world)


@route("roster:request-access", engagement_scoped=True, method="post")
def request_access(world):
    return f"{_base(world)}access/request/"


# The walk's home user is a tenant admin with no seat: it reads the roster, never changes it.
@route("roster:person-create", engagement_scoped=True, status=403)
def person_create(world):
    return f"{_base(world)}people/new/"


@route("roster:person", engagement_scoped=True)
def person(world):
    return f"{_base(world)}people/{_person(world).public_id}/"


@route("roster:person-result", engagement_scoped=True, method="post")
def person_result(world):
    return f"{_base(world)}people/{_person(world).public_id}/result/"


@route("roster:person-details", engagement_scoped=True, method="post")
def person_details(world):
    return f"{_base(world)}people/{_person(world).public_id}/details/"


@route("roster:person-status", engagement_scoped=True, method="post")
def person_status(world):
    return f"{_base(world)}people/{_person(world).public_id}/status/"


@route("roster:person-erase", engagement_scoped=True, method="post")
def person_erase(world):
    return f"{_base(world)}people/{_person(world).public_id}/erase/"


@route("roster:wave-create", engagement_scoped=True, status=403)
def wave_create(world):
    return f"{_base(world)}waves/new/"


@route("roster:wave-edit", engagement_scoped=True, status=403)
def wave_edit(world):
    return f"{_base(world)}waves/{_wave(world).public_id}/"


@route("roster:batches", engagement_scoped=True)
def batches(world):
    return f"{_base(world)}batches/"


@route("roster:batch", engagement_scoped=True)
def batch(world):
    return f"{_base(world)}batches/{_batch(world).public_id}/"


@route("roster:batch-advance", engagement_scoped=True, method="post")
def batch_advance(world):
    return f"{_base(world)}batches/{_batch(world).public_id}/advance/"


@populates
def add_a_roster(world):
    """A wave of two agents, one certified, and a batch of access waiting on the client."""
    wave = _wave(world)
    people = [
        services.add_person(
            actor=world.provider_lead,
            engagement=world.engagement,
            name=f"Walk agent {number}",
            email=f"walk.agent.{number}@example.com",
            role="agent",
            wave=wave.number,
            start_date=START,
            # Unique to the engagement: the API finds a person by HR id among all the caller sees.
            external_id=f"WALK-{str(world.engagement.public_id)[:8]}-{number}",
        )
        for number in (1, 2)
    ]
    services.record_result(
        actor=world.provider_lead,
        person=people[0],
        requirement="certification",
        passed=True,
        score=90,
        taken_on=datetime.date(2026, 1, 10),
        assessor=world.provider_staff,
    )
    access.request_access(actor=world.provider_lead, engagement=world.engagement, wave=wave)
