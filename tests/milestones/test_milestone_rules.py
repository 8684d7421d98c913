import datetime

import pytest

from audit.models import Event
from audit.selectors import history_of
from engagements.models import EngagementMember, Phase
from engagements.services import start_transition
from kernel.errors import (
    InvalidInput,
    ItemsOpen,
    NotAllowed,
    NotFound,
    RuleBroken,
    StaleVersion,
)
from milestones.models import Milestone
from milestones.services import create_milestone, delete_milestone, update_milestone
from tests.world import pass_gate


def milestone(key: str) -> Milestone:
    return Milestone.objects.get(playbook_key=key)


def kickoff(world) -> Phase:
    return world.engagement.phases.get(kind="kickoff")


def test_a_milestone_needs_a_named_owner(world):
    with pytest.raises(InvalidInput) as refused:
        create_milestone(
            actor=world.pmo,
            engagement=world.engagement,
            phase=kickoff(world),
            title="Badge access",
            owner=None,
            side="client",
            due_date=datetime.date(2026, 1, 9),
        )
    assert refused.value.errors["owner"] == ["Name the person who owns this milestone."]


def test_not_done_before_its_dependencies(world):
    brief = milestone("campaign-brief-signed")
    with pytest.raises(ItemsOpen) as refused:
        update_milestone(
            actor=world.client_lead, milestone=brief, status="done", evidence="Signed brief v3"
        )
    assert "cannot be done before its dependencies" in refused.value.message
    expected = sorted(f"{d.title} (not started)" for d in brief.depends_on.all())
    assert sorted(refused.value.items) == expected
    assert len(expected) == 4
    brief.refresh_from_db()
    assert brief.status == "not_started"
    assert brief.version == 1


def test_not_done_without_evidence_when_evidence_is_required(world):
    session = milestone("kickoff-session")
    assert session.evidence_required
    with pytest.raises(InvalidInput) as refused:
        update_milestone(actor=world.pmo, milestone=session, status="done")
    assert "needs evidence" in refused.value.message
    assert "evidence" in refused.value.errors

    done = update_milestone(
        actor=world.pmo,
        milestone=session,
        status="done",
        evidence_link="https://docs.example.com/kickoff-minutes",
    )
    assert done.status == "done"
    assert done.completed_by == world.pmo
    assert done.completed_at is not None


def test_dependencies_cannot_form_a_cycle(world):
    session, intro = milestone("kickoff-session"), milestone("team-introductions")
    assert session in intro.depends_on.all()
    with pytest.raises(InvalidInput) as refused:
        update_milestone(actor=world.pmo, milestone=session, depends_on=[intro])
    assert refused.value.message == "These dependencies would form a cycle."
    assert list(session.depends_on.all()) == []


def test_a_milestone_depends_only_on_its_own_or_an_earlier_phase(world):
    session, crm = milestone("kickoff-session"), milestone("crm-access-granted")
    version = session.version
    with pytest.raises(InvalidInput) as refused:
        update_milestone(actor=world.pmo, milestone=session, depends_on=[crm])
    assert refused.value.errors["depends_on"] == [
        f"“{crm.title}” is in a later phase than Kickoff."
    ]
    session.refresh_from_db()
    assert list(session.depends_on.all()) == [] and session.version == version
    # The same dependency the other way round is allowed: access comes after kickoff.
    update_milestone(actor=world.pmo, milestone=crm, depends_on=[session])
    assert list(crm.depends_on.all()) == [session]


def test_dependencies_cannot_cross_engagements(world):
    from tests.world import add_engagement

    second = add_engagement(world, key="seven-step-onboarding")
    foreign = second.milestones.first()
    with pytest.raises(InvalidInput) as refused:
        update_milestone(
            actor=world.pmo, milestone=milestone("kickoff-session"), depends_on=[foreign]
        )
    assert "own engagement" in refused.value.message


def test_external_id_is_unique_per_tenant(world, other_world):
    update_milestone(actor=world.pmo, milestone=milestone("kickoff-session"), external_id="JIRA-1")
    with pytest.raises(InvalidInput) as refused:
        update_milestone(
            actor=world.pmo, milestone=milestone("team-introductions"), external_id="JIRA-1"
        )
    holder = milestone("kickoff-session")
    assert refused.value.errors["external_id"] == [
        f"Already used by milestone “{holder.title}” ({holder.public_id})."
    ]
    # Another tenant may use the same id.
    from kernel.tenancy import tenant_context

    with tenant_context(other_world.tenant):
        update_milestone(
            actor=other_world.pmo,
            milestone=Milestone.objects.get(playbook_key="kickoff-session"),
            external_id="JIRA-1",
        )


def test_every_update_changes_the_version_and_stale_edits_are_refused(world):
    session = milestone("kickoff-session")
    first = update_milestone(
        actor=world.pmo, milestone=session, status="in_progress", expected_version=1
    )
    assert first.version == 2
    with pytest.raises(StaleVersion):
        update_milestone(
            actor=world.client_lead, milestone=session, title="Stale edit", expected_version=1
        )
    assert milestone("kickoff-session").title != "Stale edit"
    same = update_milestone(actor=world.pmo, milestone=session, status="in_progress")
    assert same.version == 2  # nothing changed, nothing bumped


def test_viewers_and_outsiders_cannot_change_milestones(world):
    EngagementMember.objects.filter(user=world.client_staff).update(role="viewer")
    # A viewer sees the milestone but may not change it; a tenant member outside the
    # engagement does not see it at all.
    for actor, refusal in ((world.client_staff, NotAllowed), (world.bystander, NotFound)):
        with pytest.raises(refusal):
            update_milestone(
                actor=actor, milestone=milestone("kickoff-session"), status="in_progress"
            )


def test_reopening_a_done_milestone_of_an_approved_gate_is_refused(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    pass_gate(world, "kickoff", comment="Kickoff complete")
    brief = milestone("campaign-brief-signed")
    with pytest.raises(RuleBroken) as refused:
        update_milestone(actor=world.pmo, milestone=brief, status="in_progress")
    assert "cannot be reopened" in refused.value.message
    assert milestone("campaign-brief-signed").status == "done"
    with pytest.raises(RuleBroken):
        create_milestone(
            actor=world.pmo,
            engagement=world.engagement,
            phase=kickoff(world),
            title="Late item",
            owner=world.pmo,
            side="joint",
            due_date=datetime.date(2026, 1, 9),
        )


def test_the_audit_trail_shows_each_change_with_actor_and_old_and_new_values(world):
    session = milestone("kickoff-session")
    update_milestone(actor=world.provider_lead, milestone=session, status="in_progress")
    update_milestone(actor=world.pmo, milestone=session, status="done", evidence="Minutes")

    events = list(history_of(instance=session))
    assert [e.action for e in events] == ["created", "updated", "updated"]
    assert events[0].actor == world.pmo
    assert events[1].actor == world.provider_lead
    assert events[1].changes["status"] == ["not_started", "in_progress"]
    assert events[1].changes["version"] == [1, 2]
    assert events[2].changes["status"] == ["in_progress", "done"]
    assert events[2].changes["evidence"] == ["", "Minutes"]
    assert events[2].changes["completed_by"] == [None, str(world.pmo.public_id)]


def test_a_failed_change_leaves_neither_the_change_nor_its_log_entry(world):
    session = milestone("kickoff-session")
    events_before = Event.objects.count()
    # The title is applied first; the missing evidence refuses the whole change.
    with pytest.raises(InvalidInput):
        update_milestone(actor=world.pmo, milestone=session, title="Renamed", status="done")
    assert milestone("kickoff-session").title != "Renamed"
    assert Event.objects.count() == events_before


def test_a_deleted_milestone_leaves_a_tombstone(world):
    extra = create_milestone(
        actor=world.pmo,
        engagement=world.engagement,
        phase=kickoff(world),
        title="Parking passes",
        owner=world.client_lead,
        side="client",
        due_date=datetime.date(2026, 1, 8),
    )
    delete_milestone(actor=world.pmo, milestone=extra)
    assert not Milestone.objects.filter(pk=extra.pk).exists()
    last = Event.objects.filter(object_id=str(extra.public_id)).order_by("id").last()
    assert last.action == "deleted"
    assert last.snapshot is None
    assert last.changes["title"] == ["Parking passes", None]


def test_a_milestone_others_depend_on_cannot_be_deleted(world):
    with pytest.raises(ItemsOpen) as refused:
        delete_milestone(actor=world.pmo, milestone=milestone("kickoff-session"))
    session = milestone("kickoff-session")
    assert sorted(refused.value.items) == sorted(d.title for d in session.dependents.all())
    assert Milestone.objects.filter(pk=session.pk).exists()


def test_a_done_milestone_keeps_its_proof(world):
    session = milestone("kickoff-session")
    update_milestone(actor=world.pmo, milestone=session, status="done", evidence="Minutes")
    with pytest.raises(InvalidInput) as refused:
        update_milestone(actor=world.pmo, milestone=session, evidence="")
    assert "evidence" in refused.value.errors
    assert milestone("kickoff-session").evidence == "Minutes"


def test_a_blank_external_id_is_no_external_id(world):
    first = update_milestone(
        actor=world.pmo, milestone=milestone("kickoff-session"), external_id="  "
    )
    second = update_milestone(
        actor=world.pmo, milestone=milestone("team-introductions"), external_id=""
    )
    assert first.external_id is None and second.external_id is None
