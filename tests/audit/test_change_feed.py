"""The event log hands out feed positions in commit order, per tenant."""

import threading

import pytest
from django.db import connection, transaction

from audit.models import Event
from audit.selectors import changes_after
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.world import build_world

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; CI runs this there"
)


def test_positions_are_gapless_and_ordered_within_a_tenant(world, other_world):
    positions = list(Event.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    with tenant_context(other_world.tenant):
        foreign = list(Event.objects.order_by("position").values_list("position", flat=True))
    # Each tenant counts on its own: no tenant learns another's volume.
    assert foreign == list(range(1, len(foreign) + 1))


def test_a_consumer_reads_every_event_once_by_position(world):
    first_page = changes_after(position=0, limit=10)
    rest = changes_after(position=first_page[-1].position, limit=100_000)
    seen = [event.pk for event in first_page + rest]
    assert len(seen) == len(set(seen)) == Event.objects.count()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_commits_late_is_not_skipped_by_the_feed():
    world = build_world("Alpha")
    with tenant_context(world.tenant):
        slow_one, quick_one = Milestone.objects.order_by("id")[:2]
        cursor = Event.objects.order_by("-position").values_list("position", flat=True)[0]
    written, release = threading.Event(), threading.Event()
    errors = []

    def slow_writer():
        try:
            with transaction.atomic():
                update_milestone(actor=world.pmo, milestone=slow_one, title="Slow change")
                written.set()
                release.wait(10)
        except Exception as failure:  # surfaced below
            errors.append(failure)
        finally:
            connection.close()

    def quick_writer():
        try:
            update_milestone(actor=world.pmo, milestone=quick_one, title="Quick change")
        except Exception as failure:
            errors.append(failure)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert written.wait(10)
    quick = threading.Thread(target=quick_writer)
    quick.start()
    quick.join(1.0)
    # The quick transaction waits for the slow one's counter lock: nothing new is visible,
    # so a consumer polling now cannot move its cursor past the slow change.
    assert quick.is_alive()
    with tenant_context(world.tenant):
        assert changes_after(position=cursor, limit=100) == []
    release.set()
    slow.join(10), quick.join(10)
    assert errors == []
    with tenant_context(world.tenant):
        events = changes_after(position=cursor, limit=100)
    labels = [event.object_label for event in events]
    assert labels == ["Slow change", "Quick change"]
    assert [event.position for event in events] == [cursor + 1, cursor + 2]
