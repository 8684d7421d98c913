"""Routes of the readiness roster."""

from __future__ import annotations

from tests.routes import populates, route


@route("roster:roster", engagement_scoped=True)
def roster_page(world):
    return f"/engagements/{world.engagement.public_id}/roster/"


@populates
def add_roster_rows(world):
    """A wave of two agents: one trained and certified with verified access, one refused
    access, and a failed attempt kept."""
    from roster import access, services
    from roster.models import AccessStep, Requirement

    today = world.engagement.today()
    lead = world.provider_lead
    wave = services.save_wave(actor=lead, engagement=world.engagement, number=1, start_date=today)
    people = [
        services.add_person(
            actor=lead,
            engagement=world.engagement,
            name=f"Route walk agent {number}",
            email=f"walk.{number}@example.com",
            role="agent",
            wave=1,
            start_date=today,
            external_id=f"WALK-{number}",
        )
        for number in (1, 2)
    ]
    certification = Requirement.objects.get(
        engagement=world.engagement, role="agent", kind="certification"
    )
    for passed in (False, True):
        services.record_result(
            actor=lead,
            person=people[0],
            requirement=certification,
            passed=passed,
            taken_on=today,
            assessor=world.provider_staff,
        )
    batch = access.request_access(actor=lead, engagement=world.engagement, wave=wave)
    steps = list(AccessStep.objects.filter(batch=batch).select_related("person", "system"))
    mine = [step for step in steps if step.person_id == people[0].pk]
    theirs = [step for step in steps if step.person_id == people[1].pk]
    access.advance(
        actor=world.client_lead, engagement=world.engagement, steps=mine, action="approve"
    )
    access.advance(
        actor=world.client_lead,
        engagement=world.engagement,
        steps=theirs,
        action="refuse",
        reason="No seat licence left",
    )
