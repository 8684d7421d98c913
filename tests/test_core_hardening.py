"""The core's contracts that the browser, the API and the reminders stand on."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Tenant
from audit.models import Event
from engagements.models import Engagement, Phase
from engagements.services import start_transition
from governance.models import Gate
from governance.services import request_gate_decision
from kernel.errors import InvalidInput, ItemsOpen, NotFound, RuleBroken
from kernel.tenancy import get_active_tenant_id, tenant_context
from milestones.models import Milestone
from milestones.services import create_milestone, update_milestone
from tests import factories
from tests.world import build_world, pass_gate
from transition.services import (
    add_membership,
    create_engagement_from_playbook,
    remove_membership,
    reschedule_phase,
)

# --- Services take the tenant from the object they change -----------------------------------


def test_a_membership_is_added_to_tenant_b_while_tenant_a_is_active(db):
    alpha, bravo = build_world("Alpha"), build_world("Bravo")
    newcomer = factories.UserFactory()
    with tenant_context(alpha.tenant):
        membership = add_membership(
            actor=bravo.admin, tenant=bravo.tenant, user=newcomer, role="member"
        )
        assert get_active_tenant_id() == alpha.tenant.pk
    assert membership.tenant == bravo.tenant
    with tenant_context(bravo.tenant):
        assert Event.objects.filter(object_id=str(membership.public_id)).count() == 1
    with tenant_context(alpha.tenant):
        assert not Event.objects.filter(object_id=str(membership.public_id)).exists()


def test_removing_a_membership_leaves_the_active_tenant_alone(db):
    alpha, bravo = build_world("Alpha"), build_world("Bravo")
    leaver = bravo.bystander
    with tenant_context(alpha.tenant):
        remove_membership(
            actor=bravo.admin, membership=Membership.objects.get(user=leaver, tenant=bravo.tenant)
        )
        assert get_active_tenant_id() == alpha.tenant.pk
    assert not Membership.objects.filter(user=leaver).exists()


def test_a_service_works_with_no_ambient_tenant(db):
    alpha = build_world("Alpha")
    assert get_active_tenant_id() is None
    start_transition(actor=alpha.pmo, engagement=alpha.engagement)
    with tenant_context(alpha.tenant):
        assert Engagement.objects.get().status == Engagement.Status.IN_TRANSITION


def test_a_tenant_cannot_be_deleted_past_its_tombstones(db):
    alpha = build_world("Alpha")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Tenant.objects.filter(pk=alpha.tenant.pk).delete()
    assert Tenant.objects.filter(pk=alpha.tenant.pk).exists()


# --- Missing and foreign objects are NotFound ------------------------------------------------


def test_a_vanished_gate_is_not_found_not_a_crash(world):
    gate = Gate.objects.first()
    Gate.objects.filter(pk=gate.pk).update(tenant=factories.TenantFactory())
    with pytest.raises(NotFound, match="No such gate"):
        request_gate_decision(actor=world.pmo, gate=gate)


def test_another_tenants_milestone_is_not_found(world, other_world):
    with tenant_context(other_world.tenant):
        foreign = Milestone.objects.first()
    with pytest.raises(NotFound):
        update_milestone(actor=world.pmo, milestone=foreign, title="Taken over")
    with tenant_context(other_world.tenant):
        foreign.refresh_from_db()
    assert foreign.title != "Taken over"


# --- The event log is ready to be a feed ------------------------------------------------------


def test_one_service_call_is_one_operation_with_one_correlation_id(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    pass_gate(world, "kickoff")
    approval = Event.objects.filter(operation="gate.approved")
    # The gate, its decision, the two phases it moves, and the baseline it saves (issue 19).
    assert {e.object_type for e in approval} == {"gate", "gate_decision", "phase", "baseline"}
    assert approval.values("correlation_id").distinct().count() == 1
    # The next phase opened in the same operation.
    assert approval.filter(object_type="phase").count() == 2
    assert set(Event.objects.values_list("engagement_uuid", flat=True)) == {
        world.engagement.public_id
    }


def test_a_creation_stores_its_values_once(world):
    created = Event.objects.filter(object_type="milestone", action="created").first()
    assert created.changes == {}
    assert created.snapshot["title"]
    assert created.operation == "engagement.created"


def test_events_name_people_and_parents_by_public_id(world):
    created = Event.objects.filter(object_type="milestone", action="created").first()
    milestone = Milestone.objects.get(public_id=created.object_id)
    assert created.snapshot["owner"] == str(milestone.owner.public_id)
    assert created.snapshot["engagement"] == str(world.engagement.public_id)


def test_a_nested_service_keeps_the_outer_operation(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    assert set(Event.objects.filter(action="updated").values_list("operation", flat=True)) == {
        "engagement.started"
    }


# --- Whitespace is not a value -----------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_milestone_title_is_refused(world, blank):
    phase = Phase.objects.get(kind="kickoff")
    before = Milestone.objects.count()
    with pytest.raises(InvalidInput) as refused:
        create_milestone(
            actor=world.pmo,
            engagement=world.engagement,
            phase=phase,
            title=blank,
            owner=world.client_lead,
            side="client",
            due_date=datetime.date(2026, 1, 9),
        )
    assert refused.value.errors == {"title": ["Give the milestone a title."]}
    assert Milestone.objects.count() == before


def test_a_blank_engagement_name_is_refused_naming_each_field(world):
    from engagements.playbooks import get_builtin
    from tests.world import owners_for

    with pytest.raises(InvalidInput) as refused:
        create_engagement_from_playbook(
            actor=world.pmo,
            tenant=world.tenant,
            playbook=get_builtin("contact-centre-90-day"),
            name="  ",
            client_name="\t",
            provider_name="Northstar",
            contract_signed_on=datetime.date(2026, 2, 2),
            owners=owners_for("contact-centre-90-day", world.__dict__),
        )
    assert set(refused.value.errors) == {"name", "client_name"}
    assert Engagement.objects.count() == 1


def test_a_blank_reschedule_reason_is_refused(world):
    phase = Phase.objects.get(kind="tooling")
    with pytest.raises(InvalidInput) as refused:
        reschedule_phase(actor=world.pmo, phase=phase, planned_end=phase.planned_end, reason="   ")
    assert "reason" in refused.value.errors


# --- Reopening a milestone whose dependents are done ----------------------------------------


def test_reopening_a_milestone_whose_dependents_are_done_is_refused_naming_them(world):
    session = Milestone.objects.get(playbook_key="kickoff-session")
    intro = Milestone.objects.get(playbook_key="team-introductions")
    update_milestone(actor=world.pmo, milestone=session, status="done", evidence="Minutes")
    update_milestone(actor=world.pmo, milestone=intro, status="done", evidence="Intro call")
    with pytest.raises(ItemsOpen) as refused:
        update_milestone(actor=world.pmo, milestone=session, status="in_progress")
    assert intro.title in refused.value.items
    session.refresh_from_db()
    assert session.status == "done"
    # Reopen the dependent first; then the milestone itself reopens.
    update_milestone(actor=world.pmo, milestone=intro, status="in_progress")
    update_milestone(actor=world.pmo, milestone=session, status="in_progress")
    session.refresh_from_db()
    assert session.status == "in_progress" and session.completed_at is None


# --- Costs that do not grow with rows --------------------------------------------------------


def test_rescheduling_takes_the_same_statements_whatever_the_milestones(world):
    def statements_for_a_slip(extra: int) -> int:
        stabilisation = Phase.objects.get(kind="stabilisation")
        for number in range(extra):
            create_milestone(
                actor=world.pmo,
                engagement=world.engagement,
                phase=stabilisation,
                title=f"Extra {number}",
                owner=world.client_lead,
                side="client",
                due_date=stabilisation.planned_end,
            )
        tooling = Phase.objects.get(kind="tooling")
        with CaptureQueriesContext(connection) as captured:
            reschedule_phase(
                actor=world.pmo,
                phase=tooling,
                planned_end=tooling.planned_end + datetime.timedelta(days=1),
                reason="Sandbox late",
            )
        return len(captured)

    few = statements_for_a_slip(0)
    many = statements_for_a_slip(40)
    assert many == few
    assert few <= 20


def test_an_update_takes_a_fixed_small_number_of_statements(world, django_assert_max_num_queries):
    milestone = Milestone.objects.get(playbook_key="campaign-brief-signed")
    with django_assert_max_num_queries(9):
        update_milestone(actor=world.pmo, milestone=milestone, status="in_progress")


# --- Domain errors are mapped once per surface --------------------------------------------------


def test_a_command_answers_a_refusal_with_one_line(db, capsys):
    alpha = build_world("Alpha")
    with pytest.raises(CommandError, match="no-such-playbook"):
        call_command(
            "playbooks",
            "copy",
            "no-such-playbook",
            "--tenant",
            alpha.tenant.slug,
            "--actor",
            alpha.pmo.username,
        )


def test_a_view_that_lets_a_rule_escape_answers_409_not_500(world, client, monkeypatch):
    from transition.views import engagement as engagement_views

    def refuse(**kwargs):
        raise RuleBroken("Nothing may happen today.")

    monkeypatch.setattr(engagement_views.selectors, "engagement_overview", refuse)
    client.force_login(world.pmo)
    response = client.get(f"/engagements/{world.engagement.public_id}/")
    assert response.status_code == 409
    assert b"Nothing may happen today." in response.content
