"""Saving baselines: automatically at the start and each gate approval, by name by PMO, in a
fixed number of statements; re-plans never change one; the comparison says how far it slipped."""

from __future__ import annotations

import datetime

import pytest

from baselines import selectors, services
from baselines.models import Baseline, BaselineMilestone, BaselinePhase
from engagements.models import Phase
from engagements.services import start_transition
from kernel.errors import InvalidInput, NotAllowed, NotFound
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.world import pass_gate
from transition.services import reschedule_phase


def test_starting_the_transition_saves_a_baseline_of_every_date(world):
    start_transition(actor=world.pmo, engagement=world.engagement)

    baseline = Baseline.objects.get(engagement=world.engagement)
    assert (baseline.name, baseline.reason, baseline.saved_by) == (
        "Transition started",
        "started",
        world.pmo,
    )
    kept = dict(
        BaselineMilestone.objects.filter(baseline=baseline).values_list("milestone_id", "due_date")
    )
    assert kept == dict(
        Milestone.objects.filter(engagement=world.engagement).values_list("id", "due_date")
    )
    phases = BaselinePhase.objects.filter(baseline=baseline).order_by("position")
    assert [(row.kind, row.planned_start, row.planned_end) for row in phases] == list(
        Phase.objects.filter(engagement=world.engagement)
        .order_by("position")
        .values_list("kind", "planned_start", "planned_end")
    )
    assert phases[0].gate_name == world.engagement.gates.get(phase__kind="kickoff").name


def test_each_gate_approval_saves_a_baseline_named_after_the_gate(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    decision = pass_gate(world, "kickoff")

    names = list(Baseline.objects.order_by("saved_at", "id").values_list("name", "reason"))
    assert names == [
        ("Transition started", "started"),
        (f"{decision.gate.name} approved", "gate_approved"),
    ]


def test_pmo_saves_a_named_baseline_and_a_duplicate_name_is_refused(world):
    baseline = services.save_baseline(
        actor=world.pmo, engagement=world.engagement, name=" Board plan ", note="As signed"
    )
    assert (baseline.name, baseline.reason, baseline.note) == ("Board plan", "named", "As signed")

    with pytest.raises(InvalidInput) as refused:
        services.save_baseline(actor=world.pmo, engagement=world.engagement, name="board plan")
    assert "already has a baseline called" in str(refused.value)
    assert refused.value.errors["name"]
    assert Baseline.objects.count() == 1


def test_only_pmo_saves_a_baseline_and_a_name_is_required(world):
    with pytest.raises(NotAllowed):
        services.save_baseline(actor=world.client_lead, engagement=world.engagement, name="Mine")
    with pytest.raises(InvalidInput) as refused:
        services.save_baseline(actor=world.pmo, engagement=world.engagement, name="   ")
    assert list(refused.value.errors) == ["name"]
    assert not Baseline.objects.exists()


def _add_milestones(world, count: int) -> None:
    phase = Phase.objects.get(engagement=world.engagement, kind="access")
    Milestone.objects.bulk_create(
        Milestone(
            tenant=world.tenant,
            engagement=world.engagement,
            phase=phase,
            title=f"Extra {number}",
            owner=world.provider_lead,
            side="provider",
            due_date=phase.planned_end,
        )
        for number in range(count)
    )


@pytest.mark.parametrize("extra", [10, 200])
def test_saving_costs_the_same_queries_whatever_the_plan_size(
    world, extra, django_assert_num_queries
):
    _add_milestones(world, extra)
    with django_assert_num_queries(10):
        baseline = services.save_baseline(
            actor=world.pmo, engagement=world.engagement, name="Sized"
        )
    assert BaselineMilestone.objects.filter(baseline=baseline).count() == (
        Milestone.objects.filter(engagement=world.engagement).count()
    )


def test_a_replan_never_changes_a_baseline(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    baseline = Baseline.objects.get()
    before_rows = list(BaselineMilestone.objects.values_list("milestone_id", "due_date"))
    before_phases = list(BaselinePhase.objects.values_list("phase_id", "planned_end"))
    access = Phase.objects.get(engagement=world.engagement, kind="access")

    reschedule_phase(
        actor=world.pmo,
        phase=access,
        planned_end=access.planned_end + datetime.timedelta(days=9),
        reason="Badges late",
    )

    assert list(BaselineMilestone.objects.values_list("milestone_id", "due_date")) == before_rows
    assert list(BaselinePhase.objects.values_list("phase_id", "planned_end")) == before_phases
    comparison = selectors.compare(engagement=world.engagement, baseline=baseline)
    access_row = next(row for row in comparison.phases if row.phase_kind == "access")
    assert access_row.slip_days == 9
    assert access_row.slip_words == "9 days late"


def test_the_comparison_shows_slips_additions_and_removals(world):
    baseline = services.save_baseline(actor=world.pmo, engagement=world.engagement, name="Plan")
    moved, removed = Milestone.objects.filter(engagement=world.engagement).order_by("id")[:2]
    update_milestone(
        actor=world.pmo, milestone=moved, due_date=moved.due_date + datetime.timedelta(days=4)
    )
    removed_title = removed.title
    removed.delete()
    _add_milestones(world, 1)

    comparison = selectors.compare(engagement=world.engagement, baseline=baseline)

    by_label = {row.label: row for row in comparison.milestones}
    assert by_label[moved.title].slip_days == 4
    assert by_label[removed_title].slip_words == "Removed since"
    assert by_label["Extra 0"].slip_words == "Not in the baseline"
    assert [row.label for row in comparison.slipped_milestones] == [moved.title]
    assert comparison.summary.startswith("1 milestone slipped against “Plan”")


def test_a_baseline_is_chosen_by_name_or_the_latest(world):
    services.save_baseline(actor=world.pmo, engagement=world.engagement, name="First")
    services.save_baseline(actor=world.pmo, engagement=world.engagement, name="Second")

    assert selectors.chosen_baseline(engagement=world.engagement).name == "Second"
    assert selectors.chosen_baseline(engagement=world.engagement, name="First").name == "First"
    with pytest.raises(NotFound):
        selectors.chosen_baseline(engagement=world.engagement, name="Third")
