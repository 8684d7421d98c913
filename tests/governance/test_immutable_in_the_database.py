"""Decisions, attestations, published reviews and events are immutable in PostgreSQL itself:
a raw UPDATE or DELETE that skips the models is refused."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import Event
from engagements.services import start_transition
from governance.models import Gate, GateAttestation, GateDecision
from governance.services import approve_gate, attest_gate, request_gate_decision
from reporting.models import Review
from tests.world import finish_phase, meet_criteria_and_attest

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the triggers are PostgreSQL's; CI runs this on PostgreSQL",
)


def refused(sql: str, params=()) -> None:
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@pytest.fixture
def approved_kickoff(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    finish_phase(world, "kickoff")
    gate = Gate.objects.select_related("engagement", "phase").get(phase__kind="kickoff")
    meet_criteria_and_attest(world, gate)
    request_gate_decision(actor=world.provider_lead, gate=gate)
    return approve_gate(actor=world.pmo, gate=gate, comment="Brief signed")


@postgresql_only
def test_a_gate_decision_cannot_be_rewritten_or_removed_even_in_raw_sql(world, approved_kickoff):
    decision = approved_kickoff
    refused("UPDATE governance_gatedecision SET comment = 'rewritten' WHERE id = %s", [decision.pk])
    refused("DELETE FROM governance_gatedecision WHERE id = %s", [decision.pk])
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        GateDecision._base_manager.filter(pk=decision.pk).update(comment="rewritten")

    decision.refresh_from_db()
    assert decision.comment == "Brief signed"


@postgresql_only
def test_an_attestation_cannot_be_rewritten_or_removed(world):
    gate = Gate.objects.get(phase__kind="kickoff")
    attestation = attest_gate(actor=world.client_lead, gate=gate, side="client", comment="Agreed")

    refused("UPDATE governance_gateattestation SET comment = 'x' WHERE id = %s", [attestation.pk])
    refused("DELETE FROM governance_gateattestation WHERE id = %s", [attestation.pk])
    assert GateAttestation.objects.get(pk=attestation.pk).comment == "Agreed"


@postgresql_only
def test_events_cannot_be_rewritten_or_removed(world, approved_kickoff):
    event = Event.objects.filter(operation="gate.approved").order_by("id").first()

    refused("UPDATE audit_event SET note = 'rewritten' WHERE id = %s", [event.pk])
    refused("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).note == ""


def test_an_event_refuses_deletion_in_python_too(world):
    event = Event.objects.order_by("id").first()
    with pytest.raises(ValueError, match="tombstone"):
        event.delete()
    assert Event.objects.filter(pk=event.pk).exists()


@postgresql_only
def test_a_review_changes_until_it_is_published_and_never_after(world):
    review = Review.objects.get(day=14)
    # Until published, a review's row changes freely (results, answers, the publishing).
    Review._base_manager.filter(pk=review.pk).update(lessons_learned="Draft")
    Review._base_manager.filter(pk=review.pk).update(status="published")

    refused("UPDATE reporting_review SET lessons_learned = 'rewritten' WHERE id = %s", [review.pk])
    refused("DELETE FROM reporting_review WHERE id = %s", [review.pk])
    review.refresh_from_db()
    assert (review.status, review.lessons_learned) == ("published", "Draft")


@postgresql_only
def test_a_published_review_still_records_the_state_of_its_pdf_and_nothing_else(world):
    review = Review.objects.get(day=14)
    Review._base_manager.filter(pk=review.pk).update(status="published", publish_reason="Agreed")

    # Rendering the report (a worker task) records when it was asked for and why it failed.
    Review._base_manager.filter(pk=review.pk).update(
        report_requested_at="2026-12-07T10:00:00Z", report_failure="The renderer stopped."
    )
    refused("UPDATE reporting_review SET publish_reason = 'rewritten' WHERE id = %s", [review.pk])
    refused(
        "UPDATE reporting_review SET report_failure = '', published_early = NOT published_early "
        "WHERE id = %s",
        [review.pk],
    )
    review.refresh_from_db()
    assert (review.publish_reason, review.report_failure) == ("Agreed", "The renderer stopped.")
