"""Roster people are found by name, and their start dates are in the calendar feed, only for
those who may see them: never a competing provider on another engagement of the tenant, never
another tenant."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from accounts.models import Membership
from exports import ics
from kernel.registry import search_documents
from kernel.tenancy import tenant_context
from roster import services
from tests import factories
from tests.roster.world import add_people, add_wave
from tests.world import add_engagement, owners_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival(world):
    """A competing provider's lead, seated only on a second engagement of the tenant, whose
    roster has a person of the same first name as the world's."""
    lead = factories.UserFactory(username="rival-lead")
    Membership.objects.create(user=lead, tenant=world.tenant, role="member")
    people = {**world.__dict__, "provider_lead": lead, "provider_staff": lead}
    second = add_engagement(
        world, name="Rival desk", owners=owners_for("contact-centre-90-day", people)
    )
    wave = services.save_wave(actor=lead, engagement=second, number=1, start_date="2026-03-02")
    services.add_person(
        actor=lead,
        engagement=second,
        name="Dana Rival",
        email="dana.rival@example.com",
        role="agent",
        wave=1,
        start_date=wave.start_date,
    )
    return lead


def ours(world):
    wave = add_wave(world)
    return services.add_person(
        actor=world.provider_lead,
        engagement=world.engagement,
        name="Dana Ours",
        email="dana.ours@example.com",
        role="agent",
        wave=wave.number,
        start_date=wave.start_date,
    )


def found(actor, text="dana") -> set[str]:
    return {p.name for p in search_documents.get("roster_person").search(actor=actor, text=text)}


def starts(user, tenant) -> set[str]:
    calendar = Calendar.from_ical(ics.build_calendar(user=user, tenant=tenant))
    return {
        str(event["SUMMARY"])
        for event in calendar.walk("VEVENT")
        if [str(c) for c in event["CATEGORIES"].cats] == ["Roster start"]
    }


def test_people_are_found_by_name_by_their_engagements_team_only(world, other_world, rival):
    ours(world)
    with tenant_context(other_world.tenant):
        add_people(other_world, add_wave(other_world), 1, prefix="Dana Bravo")

    assert found(world.provider_lead) == {"Dana Ours"}
    assert found(world.client_staff, "OURS") == {"Dana Ours"}
    assert found(rival) == {"Dana Rival"}  # the competing provider: their own only
    assert found(world.pmo) == {"Dana Ours", "Dana Rival"}  # the tenant's PMO sees both
    assert found(world.bystander) == set()  # a tenant member with no seat
    with tenant_context(other_world.tenant):
        assert found(other_world.pmo) == {"Dana Bravo 01"}
        assert found(world.pmo) == set()


def test_an_erased_person_is_not_found_by_the_name_they_had(world):
    person = ours(world)
    services.erase_person(actor=world.pmo, person=person, reason="GDPR-3")
    assert found(world.pmo, "ours") == set()
    assert found(world.pmo, "erased") == set()


def test_start_dates_are_in_the_feeds_of_the_engagements_members_only(world, other_world, rival):
    ours(world)
    with tenant_context(other_world.tenant):
        add_people(other_world, add_wave(other_world), 1, prefix="Dana Bravo")

    summary = "Alpha care desk: Dana Ours starts (agent, Wave 1)"
    assert starts(world.provider_lead, world.tenant) == {summary}
    assert starts(world.provider_staff, world.tenant) == {summary}
    # The client's people are seated on both engagements: both rosters are theirs to see.
    assert starts(world.client_staff, world.tenant) == {
        summary,
        "Rival desk: Dana Rival starts (agent, Wave 1)",
    }
    assert starts(rival, world.tenant) == {"Rival desk: Dana Rival starts (agent, Wave 1)"}
    assert starts(world.bystander, world.tenant) == set()
    with tenant_context(other_world.tenant):
        # Alpha's PMO, reading a feed in Bravo's tenant: none of Alpha's people.
        assert starts(world.pmo, other_world.tenant) == set()
        assert starts(other_world.pmo, other_world.tenant) == {
            "Bravo care desk: Dana Bravo 01 starts (agent, Wave 1)"
        }
