import datetime

import pytest

from audit.models import Event
from engagements.models import Engagement, Phase
from kernel.errors import InvalidInput, NotAllowed
from milestones.models import Milestone
from milestones.services import update_milestone
from reporting.models import Review
from tests.world import build_world
from transition.services import reschedule_phase

WEEK = datetime.timedelta(days=7)
ZERO = datetime.timedelta(0)


def test_a_slipping_gate_moves_every_date_behind_it_visibly(world):
    tooling = Phase.objects.get(kind="tooling")
    before = {p.kind: (p.planned_start, p.planned_end) for p in Phase.objects.all()}
    later_due = {m.pk: m.due_date for m in Milestone.objects.filter(phase__position__gt=4)}
    own_due = {m.pk: m.due_date for m in Milestone.objects.filter(phase=tooling)}
    done = Milestone.objects.filter(phase__kind="stabilisation").order_by("due_date").last()
    Milestone.objects.filter(pk=done.pk).update(status="cancelled")
    go_live = world.engagement.target_go_live

    moved = reschedule_phase(
        actor=world.pmo,
        phase=tooling,
        planned_end=tooling.planned_end + WEEK,
        reason="CRM sandbox access two days late",
    )

    assert [p.kind for p in moved] == ["tooling", "controlled_go_live", "stabilisation"]
    after = {p.kind: (p.planned_start, p.planned_end) for p in Phase.objects.all()}
    assert after["tooling"] == (before["tooling"][0], before["tooling"][1] + WEEK)
    assert after["access"] == before["access"]
    for kind in ("controlled_go_live", "stabilisation"):
        assert after[kind] == (before[kind][0] + WEEK, before[kind][1] + WEEK)
    for milestone in Milestone.objects.filter(phase__position__gt=4):
        shifted = milestone.pk != done.pk
        assert milestone.due_date == later_due[milestone.pk] + (WEEK if shifted else ZERO)
    assert {m.pk: m.due_date for m in Milestone.objects.filter(phase=tooling)} == own_due
    assert Engagement.objects.get().target_go_live == go_live + WEEK

    notes = set(Event.objects.filter(action="updated").values_list("note", flat=True))
    assert notes == {"Rescheduled: CRM sandbox access two days late"}


def test_go_live_anchored_reviews_follow_the_slip(db):
    from kernel.tenancy import tenant_context

    world = build_world("Alpha", playbook_key="post-signature-sequence")
    with tenant_context(world.tenant):
        reviews = dict(Review.objects.values_list("day", "scheduled_on"))
        access = Phase.objects.get(kind="access")
        reschedule_phase(
            actor=world.pmo,
            phase=access,
            planned_end=access.planned_end + WEEK,
            reason="Badges delayed",
        )
        assert dict(Review.objects.values_list("day", "scheduled_on")) == {
            day: date + WEEK for day, date in reviews.items()
        }


def test_rescheduling_needs_pmo_a_reason_and_a_sane_date(world):
    kickoff = Phase.objects.get(kind="kickoff")
    with pytest.raises(NotAllowed):
        reschedule_phase(
            actor=world.provider_lead,
            phase=kickoff,
            planned_end=kickoff.planned_end + WEEK,
            reason="late",
        )
    with pytest.raises(InvalidInput, match="Say why"):
        reschedule_phase(
            actor=world.pmo, phase=kickoff, planned_end=kickoff.planned_end + WEEK, reason=" "
        )
    with pytest.raises(InvalidInput, match="cannot end before it starts"):
        reschedule_phase(
            actor=world.pmo, phase=kickoff, planned_end=kickoff.planned_start - WEEK, reason="typo"
        )
    assert Phase.objects.get(kind="kickoff").planned_end == kickoff.planned_end


def test_moved_milestones_get_a_new_version(world):
    milestone = Milestone.objects.filter(phase__kind="stabilisation").first()
    update_milestone(actor=world.pmo, milestone=milestone, status="in_progress")
    tooling = Phase.objects.get(kind="tooling")
    reschedule_phase(
        actor=world.pmo, phase=tooling, planned_end=tooling.planned_end + WEEK, reason="late"
    )
    milestone.refresh_from_db()
    assert milestone.version == 3
