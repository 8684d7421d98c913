"""The rule "a field nobody asked for is refused, named beside itself", stated once: its home
is ``kernel.validation`` (``only_fields`` for a service, ``unknown_fields`` for a reader that
gathers every refusal of a body first, as the API's request serializers do). Every service
that takes a dict of changes refuses before anything is read or written."""

from __future__ import annotations

import datetime

import pytest

from kernel.errors import InvalidInput
from kernel.validation import only_fields, unknown_fields
from milestones.models import Milestone
from milestones.services import update_milestone
from registers.decision_rights import create_decision_right, update_decision_right
from registers.escalation import update_escalation_level
from registers.services import create_raid_item, update_raid_item
from tests.registers.support import agree_escalation_path


def a_milestone(world):
    return update_milestone, "milestone", Milestone.objects.filter(engagement=world.engagement)[0]


def a_raid_item(world):
    item = create_raid_item(
        actor=world.pmo,
        engagement=world.engagement,
        kind="issue",
        title="Badges late",
        owner=world.provider_lead,
        due_date=datetime.date(2026, 2, 2),
    )
    return update_raid_item, "item", item


def an_escalation_level(world):
    return update_escalation_level, "level", agree_escalation_path(world, levels=1)[0]


def a_decision_right(world):
    right = create_decision_right(
        actor=world.pmo, engagement=world.engagement, area="Access", approver_side="client"
    )
    return update_decision_right, "right", right


@pytest.mark.parametrize("made", [a_milestone, a_raid_item, an_escalation_level, a_decision_right])
def test_a_field_the_service_does_not_edit_is_refused(world, made):
    update, name, instance = made(world)
    version = instance.version
    with pytest.raises(InvalidInput) as refused:
        update(actor=world.pmo, **{name: instance}, tenant=1, colour="red")
    assert refused.value.message == "Unknown field(s): colour, tenant."
    assert refused.value.errors == {"colour": ["Unknown field."], "tenant": ["Unknown field."]}
    instance.refresh_from_db()
    assert instance.version == version


def test_an_unknown_field_is_refused_naming_each_one():
    with pytest.raises(InvalidInput) as refused:
        only_fields({"title": "x", "colour": "red", "alpha": 1}, {"title"})
    assert refused.value.message == "Unknown field(s): alpha, colour."
    assert refused.value.errors == {"alpha": ["Unknown field."], "colour": ["Unknown field."]}
    only_fields({"title": "x"}, {"title", "owner"})  # known fields pass


def test_a_gathering_reader_gets_the_same_words_in_the_order_sent():
    assert unknown_fields(["colour", "title", "alpha"], {"title"}) == {
        "colour": ["Unknown field."],
        "alpha": ["Unknown field."],
    }
    assert unknown_fields(["title"], {"title"}) == {}
