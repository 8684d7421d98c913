"""A person added to the roster while a gate that counts it is approved waits for the
decision (PostgreSQL row locks): the approval never counts a roster that is changing."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from engagements.models import Phase
from engagements.services import lock_phase_for_work
from kernel.tenancy import tenant_context
from roster import services
from tests.roster.world import WAVE_START
from tests.world import build_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL; CI runs this on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("kind", ["access", "controlled_go_live"])
def test_a_person_added_while_the_gate_is_decided_waits_for_the_decision(kind):
    world = build_world("Racing roster")
    with tenant_context(world.tenant):
        services.save_wave(
            actor=world.provider_lead, engagement=world.engagement, number=1, start_date=WAVE_START
        )
        phase = Phase.objects.get(engagement=world.engagement, kind=kind)
    order: list[str] = []
    locked, adding = threading.Event(), threading.Event()

    def decide() -> None:
        # What approve_gate holds while it counts the open items and records the decision.
        try:
            with tenant_context(world.tenant), transaction.atomic():
                lock_phase_for_work(phase=phase)
                locked.set()
                adding.wait(10)
                time.sleep(0.5)  # the other thread is inside add_person by now
                order.append("decided")
        finally:
            connections.close_all()

    def add() -> None:
        try:
            locked.wait(10)
            adding.set()
            with tenant_context(world.tenant):
                services.add_person(
                    actor=world.provider_lead,
                    engagement=world.engagement,
                    name="Late joiner",
                    email="late@example.com",
                    role="agent",
                    wave=1,
                    start_date=WAVE_START,
                )
            order.append("added")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide), threading.Thread(target=add)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert order == ["decided", "added"]
