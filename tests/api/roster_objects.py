"""Roster objects of an API world, made through the services (inside its tenant) by its PMO,
who sees every engagement of the tenant (the route walk gives worlds whose leads are not on
the engagement)."""

from __future__ import annotations

import datetime

from engagements.models import EngagementMember
from roster import access, services
from roster.models import AccessStep, Person, Requirement, Result, Wave

START = datetime.date(2026, 1, 19)


def a_wave(w) -> Wave:
    wave = Wave.objects.filter(engagement=w.engagement).order_by("number").first()
    return wave or services.save_wave(
        actor=w.pmo, engagement=w.engagement, number=1, start_date=START
    )


def a_roster_person(w) -> Person:
    person = Person.objects.filter(engagement=w.engagement).order_by("pk").first()
    return person or services.add_person(
        actor=w.pmo,
        engagement=w.engagement,
        name="Ana Lima",
        email="ana.lima@provider.example",
        role="agent",
        wave=a_wave(w).number,
        start_date=START,
        # Unique to the engagement: another world's URL by HR id must find nothing here.
        external_id=f"HR-{w.engagement.public_id.hex[:8]}",
    )


def a_result(w) -> Result:
    person = a_roster_person(w)
    result = Result.objects.filter(person=person).order_by("pk").first()
    return result or services.record_result(
        actor=w.pmo,
        person=person,
        requirement=Requirement.objects.filter(
            engagement=w.engagement, role=person.role, kind="module"
        )
        .order_by("position")
        .first(),
        passed=True,
        taken_on=datetime.date(2026, 1, 20),
        assessor=EngagementMember.objects.filter(engagement=w.engagement).first().user,
    )


def an_access_step(w) -> AccessStep:
    person = a_roster_person(w)
    step = AccessStep.objects.filter(person=person).order_by("pk").first()
    if step is None:
        access.request_access(actor=w.pmo, engagement=w.engagement, people=[person])
        step = AccessStep.objects.filter(person=person).order_by("pk").first()
    return step
