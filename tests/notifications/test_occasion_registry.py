"""Every reminder occasion a domain registers finds, on a small world, what it should: the
objects due on that day, reaching the people the domain's own check then accepts, and nothing
of another tenant (``kernel.registry.occasions``; each domain's
``contributions/occasions.py``)."""

# ruff: noqa: S608

import datetime

import pytest
from django.db import connection

from forecast.services import refresh_slip_episodes
from kernel import registry
from kernel.tenancy import tenant_context
from notifications.models import Kind, Reminder
from notifications.occasions import describe, statement, window_for
from tests.notifications.conftest import at
from tests.notifications.test_occasions import explained_miss, request_kickoff_decision
from tests.notifications.test_raid_and_drift_reminders import add_risk
from tests.notifications.test_roster_reminders import a_roster
from tests.reporting.test_drift import load

LEADS = {"client_lead", "provider_lead"}
OWNERS = {"client_lead", "client_staff", "provider_lead", "provider_staff", "pmo"}


def action(world):
    explained_miss(world, owner=world.provider_staff, due=datetime.date(2026, 1, 25))


# kind: (what to do to the world first, the day of the scan, who it reaches there)
SCENARIOS = {
    Kind.MILESTONE_DUE_SOON: (None, "2026-01-08", LEADS | {"client_staff"}),
    Kind.MILESTONE_OVERDUE: (None, "2026-01-08", OWNERS - {"client_staff"}),
    Kind.MILESTONE_OVERDUE_LEAD: (None, "2026-01-09", LEADS),
    Kind.GATE_AWAITING_DECISION: (
        lambda world: request_kickoff_decision(world, at("2026-01-08", 10)),
        "2026-01-10",
        {"pmo"},
    ),
    Kind.GATE_CRITERIA_OPEN: (None, "2026-01-06", {"pmo"} | LEADS),
    Kind.REVIEW_UPCOMING: (None, "2026-01-16", {"pmo"} | LEADS),
    Kind.REVIEW_UNPUBLISHED: (None, "2026-01-24", {"pmo"}),
    Kind.ACTION_DUE_SOON: (action, "2026-01-22", {"provider_staff"}),
    Kind.ACTION_OVERDUE: (action, "2026-01-26", {"provider_staff"}),
    Kind.RAID_DUE_SOON: (add_risk, "2026-01-09", {"provider_staff"}),
    Kind.RAID_OVERDUE: (add_risk, "2026-01-13", {"provider_staff"}),
    Kind.DRIFT_ALERT: (
        lambda world: load(world, "contact-rate", ["34", "33", "29"]),
        "2026-11-25",
        {"pmo"} | LEADS,  # the PMO side's lead too
    ),
    Kind.ROSTER_ACCESS_WAITING: (a_roster, "2026-01-09", {"client_lead"}),
    Kind.ROSTER_START_NOT_READY: (a_roster, "2026-01-09", {"provider_lead"}),
    Kind.ROSTER_WAVE_NOT_READY: (a_roster, "2026-01-12", {"pmo"} | LEADS),
    Kind.FORECAST_PAST_TARGET: (
        lambda world: refresh_slip_episodes(
            engagements=[world.engagement], today=datetime.date(2026, 1, 14)
        ),
        "2026-01-14",
        {"pmo"} | LEADS,
    ),
}


def test_every_kind_of_the_ledger_is_an_occasion_a_domain_registered():
    assert set(registry.occasions.items()) == set(Kind.values) == set(SCENARIOS)


def found(kind: str, day: str, tenants=None) -> list[Reminder]:
    """The ledger rows a scan on ``day`` would write for ``kind`` (none is written)."""
    window = window_for(at(day))
    query = registry.occasions.get(kind).query(window)
    with_clause, params, select = statement(kind, query, window, tenants)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{with_clause} SELECT o.tenant_id, o.object_id, o.engagement_id, o.recipient_id, "
            f"o.occasion_date FROM ({select}) o",
            params,
        )
        rows = cursor.fetchall()
    return [
        Reminder(
            kind=kind,
            tenant_id=tenant_id,
            object_id=object_id,
            engagement_id=engagement_id,
            recipient_id=recipient_id,
            occasion_date=datetime.date.fromisoformat(str(occasion_date)),
        )
        for tenant_id, object_id, engagement_id, recipient_id, occasion_date in rows
    ]


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_an_occasion_finds_what_is_due_for_whom_in_its_own_tenant_only(world, other_world, kind):
    prepare, day, expected = SCENARIOS[kind]
    if prepare is not None:
        prepare(world)
    labels = {getattr(world, label).pk: label for label in OWNERS | {"admin", "bystander"}}

    ours = found(kind, day, tenants=[world.tenant.pk])
    assert ours and {row.tenant_id for row in ours} == {world.tenant.pk}
    assert {labels[row.recipient_id] for row in ours} == expected
    for row in ours:  # the domain's own check at send time agrees: due, and for this person
        described = describe(row)
        assert described.skip == "" and described.title and described.link

    theirs = found(kind, day, tenants=[other_world.tenant.pk])
    assert {row.tenant_id for row in theirs} <= {other_world.tenant.pk}
    assert not {row.recipient_id for row in theirs} & set(labels)
    assert not {row.engagement_id for row in theirs} & {world.engagement.pk}
    everyone = found(kind, day)
    assert {(r.object_id, r.recipient_id) for r in everyone} == {
        (r.object_id, r.recipient_id) for r in ours + theirs
    }
    with tenant_context(other_world.tenant):  # another tenant cannot read our objects
        assert all(describe(row).skip.endswith("was deleted") for row in ours)
