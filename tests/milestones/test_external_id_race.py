"""Two creations with the same external id at once: one wins, the other is told which
milestone holds the id (never an IntegrityError). PostgreSQL: real threads, real locks."""

import datetime
import threading

import pytest
from django.db import connection, connections

from kernel.errors import DomainError
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import ExternalIdTaken, create_milestone
from tests.world import DAY0, build_world

ROUNDS = 8

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent inserts need PostgreSQL; CI runs this on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_the_loser_of_two_creations_with_one_external_id_is_told_who_holds_it():
    world = build_world("Twins")
    with tenant_context(world.tenant):
        kickoff = world.engagement.phases.get(kind="kickoff")

    for round_number in range(ROUNDS):
        external_id = f"JIRA-{round_number}"
        barrier = threading.Barrier(2)
        outcomes: list = []

        def create(title, external_id=external_id, barrier=barrier, outcomes=outcomes):
            try:
                with tenant_context(world.tenant):
                    barrier.wait()
                    outcomes.append(
                        create_milestone(
                            actor=world.pmo,
                            engagement=world.engagement,
                            phase=kickoff,
                            title=title,
                            owner=world.provider_lead,
                            side="provider",
                            due_date=DAY0 + datetime.timedelta(days=3),
                            external_id=external_id,
                        )
                    )
            except DomainError as refused:
                outcomes.append(refused)
            except Exception as raw:  # what the issue saw: an IntegrityError
                outcomes.append(raw)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=create, args=(title,)) for title in ("One", "Two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        created = [o for o in outcomes if isinstance(o, Milestone)]
        losers = [o for o in outcomes if not isinstance(o, Milestone)]
        assert len(created) == 1 and len(losers) == 1, (round_number, outcomes)
        assert isinstance(losers[0], ExternalIdTaken), (round_number, losers[0])
        winner = created[0]
        assert losers[0].existing == str(winner.public_id)
        assert losers[0].errors["external_id"] == [
            f"Already used by milestone “{winner.title}” ({winner.public_id})."
        ]
        with tenant_context(world.tenant):
            assert Milestone.objects.filter(external_id=external_id).count() == 1
