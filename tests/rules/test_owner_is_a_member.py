"""The rule "the person named is a member of the engagement", stated once over every surface that
names a person (its home: ``engagements.permissions.check_member``). A tenant member with no
seat on the engagement is refused beside the field that named them, and nothing is written."""

from __future__ import annotations

import datetime

import pytest

from kernel.errors import InvalidInput
from milestones.models import Milestone
from milestones.services import create_milestone
from registers.decision_rights import create_decision_right
from registers.escalation import add_escalation_level
from registers.models import DecisionRight, EscalationLevel, RaidItem
from registers.services import create_raid_item

DUE = datetime.date(2026, 2, 2)


def milestone_owner(world, person):
    create_milestone(
        actor=world.pmo,
        engagement=world.engagement,
        phase=world.engagement.phases.get(kind="kickoff"),
        title="Badge access",
        owner=person,
        side="client",
        due_date=DUE,
    )


def raid_owner(world, person):
    create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind="issue",
        title="Badges late",
        owner=person,
        due_date=DUE,
    )


def decision_agreed_by(world, person):
    create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind="decision",
        title="One badge vendor",
        owner=world.provider_lead,
        due_date=DUE,
        agreed_by=[world.client_lead, person],
    )


def escalation_contact(world, person):
    add_escalation_level(
        actor=world.pmo,
        engagement=world.engagement,
        name="Team leads",
        client_contact=world.client_lead,
        provider_contact=person,
        response_hours=4,
    )


def decision_right_approver(world, person):
    create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="Access", approver=person
    )


# (how a person is named, the field refused, what it is called, what must stay unwritten)
SURFACES = [
    pytest.param(milestone_owner, "owner", "owner", Milestone, id="milestone owner"),
    pytest.param(raid_owner, "owner", "owner", RaidItem, id="RAID item owner"),
    pytest.param(
        decision_agreed_by, "agreed_by", "person who agreed", RaidItem, id="decision agreed by"
    ),
    pytest.param(
        escalation_contact,
        "provider_contact",
        "provider contact",
        EscalationLevel,
        id="escalation contact",
    ),
    pytest.param(
        decision_right_approver, "approver", "approver", DecisionRight, id="decision right approver"
    ),
]


@pytest.mark.parametrize(("name", "field", "what", "model"), SURFACES)
def test_the_person_named_must_be_a_member_of_the_engagement(world, name, field, what, model):
    before = model.objects.count()
    with pytest.raises(InvalidInput) as refused:
        name(world, world.bystander)
    assert refused.value.message == f"{world.bystander} is not a member of this engagement."
    assert refused.value.errors == {field: [f"The {what} must be a member of the engagement."]}
    assert model.objects.count() == before
