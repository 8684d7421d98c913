"""A consumer mirrors a tenant through the change feed while others write concurrently."""

from __future__ import annotations

import datetime
import random
import threading

import pytest
from django.db import connection

from engagements.models import Phase
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, delete_milestone, update_milestone
from tests.api.conftest import build_api_world
from tests.api.test_change_feed import api_milestones, read_feed

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL's row locks; CI runs this there",
)

WRITERS = 4
CHANGES_PER_WRITER = 25


def apply(mirror: dict, entries: list[dict]) -> None:
    for entry in entries:
        if entry["type"] != "milestone":
            continue
        if entry["action"] == "deleted":
            mirror.pop(entry["id"], None)
        elif entry["object"] is not None:
            mirror[entry["id"]] = entry["object"]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_mirror_kept_by_the_feed_during_concurrent_writes_equals_the_database(api):
    home = build_api_world("Alpha")
    token = home.tokens["pmo"]
    with tenant_context(home.tenant):
        phases = list(Phase.objects.filter(engagement=home.engagement))
    errors: list[Exception] = []

    def writer(seed: int) -> None:
        chance = random.Random(seed)
        mine: list[Milestone] = []
        try:
            with tenant_context(home.tenant):
                for step in range(CHANGES_PER_WRITER):
                    roll = chance.random()
                    if roll < 0.4 or not mine:
                        mine.append(
                            create_milestone(
                                actor=home.pmo,
                                engagement=home.engagement,
                                phase=chance.choice(phases),
                                title=f"Writer {seed} step {step}",
                                owner=home.pmo,
                                side="joint",
                                due_date=datetime.date(2026, 3, 1),
                            )
                        )
                    elif roll < 0.8:
                        target = Milestone.objects.get(pk=chance.choice(mine).pk)
                        update_milestone(
                            actor=home.pmo, milestone=target, title=f"Writer {seed} edit {step}"
                        )
                    else:
                        delete_milestone(actor=home.pmo, milestone=mine.pop())
        except Exception as failure:  # surfaced below
            errors.append(failure)
        finally:
            connection.close()

    mirror: dict = {}
    entries, cursor = read_feed(api, token)
    apply(mirror, entries)
    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(WRITERS)]
    for thread in threads:
        thread.start()
    polls = 0
    while any(thread.is_alive() for thread in threads):
        entries, cursor = read_feed(api, token, after=cursor, limit=7)
        apply(mirror, entries)
        polls += 1
    for thread in threads:
        thread.join()
    entries, cursor = read_feed(api, token, after=cursor)
    apply(mirror, entries)

    assert errors == []
    assert polls > 1
    database = api_milestones(api, token)
    assert mirror == database
    with tenant_context(home.tenant):
        assert len(database) == Milestone.objects.count()
