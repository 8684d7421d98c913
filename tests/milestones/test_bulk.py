"""Bulk changes of milestones: every milestone answers to the rules of a single change, a
preview writes nothing, a change is one audited operation (all or nothing unless asked), and
its undo is refused when anyone edited a milestone since."""

import datetime
import uuid

import pytest
import time_machine

from audit.models import Event
from engagements.models import Engagement, EngagementMember
from engagements.services import start_transition
from kernel.errors import InvalidInput, ItemsOpen, NotAllowed, NotFound, RuleBroken
from milestones import bulk
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.world import DAY0, add_engagement, pass_gate

pytestmark = pytest.mark.django_db

MOVED = datetime.date(2026, 3, 2)


def plain(count: int) -> list[Milestone]:
    """Open milestones that need no evidence and wait on nothing (added for the test)."""
    from milestones.services import create_milestone

    engagement = Engagement.objects.get(name="Alpha care desk")
    lead = engagement.members.get(user__username__endswith="provider_lead").user
    phase = engagement.phases.get(kind="transition")
    return [
        create_milestone(
            actor=lead,
            engagement=engagement,
            phase=phase,
            title=f"Plain step {number}",
            owner=lead,
            side="provider",
            due_date=DAY0 + datetime.timedelta(days=20 + number),
        )
        for number in range(1, count + 1)
    ]


def ids(milestones) -> list[uuid.UUID]:
    return [m.public_id for m in milestones]


def versions(milestones) -> dict[int, tuple[int, str]]:
    return {
        m.pk: (m.version, m.status, m.due_date)
        for m in Milestone.objects.filter(pk__in=[x.pk for x in milestones])
    }


def needs_evidence() -> Milestone:
    return Milestone.objects.filter(evidence_required=True, depends_on__isnull=True).first()


def waits_on_others() -> Milestone:
    return Milestone.objects.filter(depends_on__isnull=False, evidence_required=False).first()


def test_a_preview_says_what_changes_and_what_is_refused_and_writes_nothing(world):
    chosen = [*plain(3), needs_evidence(), waits_on_others()]
    before, events = versions(chosen), Event.objects.count()

    result = bulk.preview_bulk_change(
        actor=world.provider_lead, ids=ids(chosen), change=bulk.BulkChange(status="done")
    )

    verdicts = {item.milestone.title: item for item in result.items}
    assert (result.changing, result.refused) == (3, 2)
    evidence = verdicts[chosen[3].title]
    assert evidence.reasons[0] == f"“{chosen[3].title}” needs evidence before it can be done."
    assert "cannot be done before its dependencies" in verdicts[chosen[4].title].reasons[0]
    assert verdicts[chosen[0].title].changes == {"status": ["Not started", "Done"]}
    assert versions(chosen) == before
    assert Event.objects.count() == events


def test_an_owner_who_is_not_on_the_engagement_is_refused_per_milestone(world):
    chosen = plain(2)
    result = bulk.preview_bulk_change(
        actor=world.pmo, ids=ids(chosen), change=bulk.BulkChange(owner=world.bystander)
    )
    assert result.refused == 2
    assert result.items[0].reasons[-1] == "The owner must be a member of the engagement."


def test_all_or_nothing_refuses_the_whole_change_and_writes_nothing(world):
    chosen = [*plain(3), needs_evidence()]
    before, events = versions(chosen), Event.objects.count()

    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.apply_bulk_change(
            actor=world.provider_lead,
            tenant=world.tenant,
            ids=ids(chosen),
            change=bulk.BulkChange(status="done"),
        )

    assert refused.value.items == [
        f"{chosen[3].title}: “{chosen[3].title}” needs evidence before it can be done. "
        "Add the evidence text or link, or attach a file, that proves this milestone is done."
    ]
    assert versions(chosen) == before
    assert Event.objects.count() == events


def test_apply_to_the_allowed_ones_is_one_audited_operation(world):
    chosen = [*plain(3), needs_evidence()]

    result = bulk.apply_bulk_change(
        actor=world.provider_lead,
        tenant=world.tenant,
        ids=ids(chosen),
        change=bulk.BulkChange(status="done"),
        mode="allowed",
    )

    assert (result.applied, result.changing, result.refused) == (True, 3, 1)
    events = list(Event.objects.filter(correlation_id=result.operation))
    assert len(events) == 3
    assert {e.operation for e in events} == {"milestone.bulk_changed"}
    assert events[0].changes["status"] == ["not_started", "done"]
    for milestone in chosen[:3]:
        milestone.refresh_from_db()
        assert (milestone.status, milestone.version) == ("done", 2)
        assert milestone.completed_by == world.provider_lead
    chosen[3].refresh_from_db()
    assert (chosen[3].status, chosen[3].version) == ("not_started", 1)


def test_a_due_date_before_day_0_is_refused_per_milestone(world):
    result = bulk.preview_bulk_change(
        actor=world.pmo,
        ids=ids(plain(2)),
        change=bulk.BulkChange(due_date=DAY0 - datetime.timedelta(days=1)),
    )
    assert result.refused == 2
    assert "contract signature date (day 0)" in result.items[0].reasons[0]


def test_milestones_of_an_approved_gate_are_locked(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    pass_gate(world, "kickoff")
    locked = Milestone.objects.filter(phase__kind="kickoff").first()
    result = bulk.preview_bulk_change(
        actor=world.pmo, ids=[locked.public_id], change=bulk.BulkChange(due_date=MOVED)
    )
    assert result.items[0].reasons == [
        "The Kickoff phase is complete: its gate was approved, so its milestones can no longer "
        "change."
    ]


def test_reopening_under_done_dependents_is_refused(world):
    from tests.world import complete_milestone

    dependent = waits_on_others()
    complete_milestone(world, dependent)
    dependency = dependent.depends_on.first()
    result = bulk.preview_bulk_change(
        actor=world.pmo, ids=[dependency.public_id], change=bulk.BulkChange(status="in_progress")
    )
    assert "depend on it are done" in result.items[0].reasons[0]
    assert dependent.title in result.items[0].reasons[0]


@pytest.mark.parametrize("count", [0, 100_000])
def test_nothing_or_too_much_is_refused_before_reading_anything(
    world, count, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(InvalidInput) as refused:
        bulk.preview_bulk_change(
            actor=world.pmo,
            ids=[uuid.uuid4() for _ in range(count)],
            change=bulk.BulkChange(due_date=MOVED),
        )
    assert refused.value.errors["ids"][0].startswith("Select at")


def test_a_change_of_nothing_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        bulk.preview_bulk_change(actor=world.pmo, ids=ids(plain(1)), change=bulk.BulkChange())
    assert "Choose what to change" in refused.value.errors["change"][0]


def test_another_tenants_milestones_are_no_such_milestone(world, other_world):
    from kernel.tenancy import tenant_context

    with tenant_context(other_world.tenant):
        foreign = Milestone.objects.first()
    with pytest.raises(InvalidInput) as refused:
        bulk.apply_bulk_change(
            actor=world.pmo,
            tenant=world.tenant,
            ids=[*ids(plain(1)), foreign.public_id],
            change=bulk.BulkChange(due_date=MOVED),
        )
    assert refused.value.errors["ids"] == [f"No such milestone: {foreign.public_id}."]
    assert foreign.title not in str(refused.value)


def test_a_selection_mixing_engagements_one_may_not_edit_is_refused(world):
    second = add_engagement(world, name="Second desk")
    # The provider lead only reads the second engagement.
    EngagementMember.objects.filter(engagement=second, user=world.provider_lead).delete()
    EngagementMember.objects.create(
        tenant=world.tenant,
        engagement=second,
        user=world.provider_lead,
        side="provider",
        role="viewer",
    )
    mine = plain(1)
    theirs = Milestone.objects.filter(engagement=second).first()
    before = versions([*mine, theirs])
    with pytest.raises(NotAllowed) as refused:
        bulk.apply_bulk_change(
            actor=world.provider_lead,
            tenant=world.tenant,
            ids=[*ids(mine), theirs.public_id],
            change=bulk.BulkChange(due_date=MOVED),
            mode="allowed",
        )
    assert "“Second desk”" in refused.value.message
    assert versions([*mine, theirs]) == before


def _move(world, chosen):
    return bulk.apply_bulk_change(
        actor=world.provider_lead,
        tenant=world.tenant,
        ids=ids(chosen),
        change=bulk.BulkChange(due_date=MOVED),
    )


def test_undo_puts_everything_back_as_an_operation_of_its_own(world):
    chosen = plain(4)
    before = {m.pk: m.due_date for m in chosen}
    done = _move(world, chosen)

    undone = bulk.undo_bulk_change(
        actor=world.provider_lead, tenant=world.tenant, operation_id=done.operation
    )

    assert undone.operation != done.operation
    events = Event.objects.filter(correlation_id=undone.operation)
    assert {e.operation for e in events} == {"milestone.bulk_undone"}
    assert events.count() == 4
    for milestone in chosen:
        milestone.refresh_from_db()
        assert (milestone.due_date, milestone.version) == (before[milestone.pk], 3)
    with pytest.raises(RuleBroken, match="already undone"):
        bulk.undo_bulk_change(
            actor=world.provider_lead, tenant=world.tenant, operation_id=done.operation
        )


def test_undo_of_done_puts_back_who_completed_it(world):
    chosen = plain(2)
    done = bulk.apply_bulk_change(
        actor=world.provider_lead,
        tenant=world.tenant,
        ids=ids(chosen),
        change=bulk.BulkChange(status="done"),
    )
    bulk.undo_bulk_change(
        actor=world.provider_lead, tenant=world.tenant, operation_id=done.operation
    )
    chosen[0].refresh_from_db()
    assert (chosen[0].status, chosen[0].completed_at, chosen[0].completed_by) == (
        "not_started",
        None,
        None,
    )


def test_undo_is_refused_naming_a_milestone_someone_edited_since(world):
    chosen = plain(3)
    done = _move(world, chosen)
    update_milestone(actor=world.client_lead, milestone=chosen[1], title="Renamed since")
    events = Event.objects.count()

    with pytest.raises(ItemsOpen) as refused:
        bulk.undo_bulk_change(
            actor=world.provider_lead, tenant=world.tenant, operation_id=done.operation
        )

    assert refused.value.items == ["“Renamed since” (version 3, the bulk change left version 2)"]
    assert Event.objects.count() == events
    chosen[0].refresh_from_db()
    assert chosen[0].due_date == MOVED


def test_undo_is_offered_for_ten_minutes_only(world):
    done = _move(world, plain(2))
    assert bulk.last_undoable_bulk_change(actor=world.provider_lead) == done.operation
    with time_machine.travel(datetime.timedelta(minutes=11)):
        assert bulk.last_undoable_bulk_change(actor=world.provider_lead) is None
        with pytest.raises(RuleBroken, match="no longer be undone"):
            bulk.undo_bulk_change(
                actor=world.provider_lead, tenant=world.tenant, operation_id=done.operation
            )


def test_only_its_author_undoes_a_bulk_change(world):
    done = _move(world, plain(2))
    with pytest.raises(NotFound):
        bulk.undo_bulk_change(actor=world.pmo, tenant=world.tenant, operation_id=done.operation)


@pytest.mark.parametrize("count", [5, 50])
def test_a_bulk_change_runs_the_same_statements_whatever_the_count(
    world, count, django_assert_num_queries
):
    add_engagement(world, name="Second desk")
    chosen = list(Milestone.objects.filter(status="not_started").order_by("id")[:count])
    assert len(chosen) == count
    with django_assert_num_queries(8):
        bulk.preview_bulk_change(
            actor=world.provider_lead, ids=ids(chosen), change=bulk.BulkChange(due_date=MOVED)
        )
    with django_assert_num_queries(13):
        done = _move(world, chosen)
    with django_assert_num_queries(15):
        bulk.undo_bulk_change(
            actor=world.provider_lead, tenant=world.tenant, operation_id=done.operation
        )
