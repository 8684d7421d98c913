import pytest
from django.db import transaction

from audit.models import Event
from audit.services import record_created
from engagements.models import EngagementMember
from engagements.services import add_member
from tests import factories
from transition.services import remove_member, update_engagement


@pytest.mark.django_db(transaction=True)
def test_events_are_written_only_inside_the_change_transaction():
    engagement = factories.EngagementFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_created(actor=None, instance=engagement)


def test_events_are_immutable(world):
    event = Event.objects.first()
    event.action = "deleted"
    with pytest.raises(ValueError):
        event.save()


def test_instantiation_logs_every_created_object_in_one_feed(world):
    counts = {}
    for object_type in Event.objects.values_list("object_type", flat=True):
        counts[object_type] = counts.get(object_type, 0) + 1
    assert counts["engagement"] == 1
    assert counts["phase"] == 6
    assert counts["gate"] == 6
    assert counts["review"] == 5
    assert counts["milestone"] == world.engagement.milestones.count()
    assert set(Event.objects.values_list("engagement_id", flat=True)) == {world.engagement.pk}
    assert set(Event.objects.values_list("actor_id", flat=True)) == {world.pmo.pk}


def test_membership_changes_are_logged_with_a_tombstone_on_removal(world):
    newcomer = factories.UserFactory()
    from accounts.models import Membership

    Membership.objects.create(user=newcomer, tenant=world.tenant, role="member")
    seat = add_member(
        actor=world.pmo,
        engagement=world.engagement,
        user=newcomer,
        side=EngagementMember.Side.CLIENT,
    )
    remove_member(actor=world.pmo, member=seat)
    actions = list(
        Event.objects.filter(object_type="member", object_id=str(seat.public_id)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["created", "deleted"]


def test_an_owner_of_open_work_cannot_be_removed(world):
    seat = EngagementMember.objects.get(user=world.client_lead)
    from kernel.errors import RuleBroken

    with pytest.raises(RuleBroken, match="still owns open milestones"):
        remove_member(actor=world.pmo, member=seat)
    assert EngagementMember.objects.filter(pk=seat.pk).exists()


def test_a_rolled_back_change_leaves_no_entry(world):
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        update_engagement(actor=world.pmo, engagement=world.engagement, scope="New scope")
        raise RuntimeError("the caller fails after the service")
    assert Event.objects.count() == before
    world.engagement.refresh_from_db()
    assert world.engagement.scope != "New scope"
