"""The portfolio: each engagement's milestone counts, from its own tenant's rows only."""

import datetime

import pytest

from accounts.models import User
from engagements.models import Engagement
from engagements.services import start_transition
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.world import DAY0, add_engagement, complete_milestone
from transition.portfolio import portfolio

TODAY = DAY0 + datetime.timedelta(days=20)


def fresh(user: User) -> User:
    """The user as a request loads it, with no membership cached yet."""
    return User.objects.get(pk=user.pk)


def counts(engagement) -> tuple[int, int, int, int]:
    return (
        engagement.open_milestones,
        engagement.overdue_milestones,
        engagement.total_milestones,
        engagement.done_milestones,
    )


def counted_by_hand(engagement) -> tuple[int, int, int, int]:
    milestones = list(Milestone.objects.filter(engagement=engagement))
    still_open = [m for m in milestones if m.status in Milestone.OPEN]
    return (
        len(still_open),
        len([m for m in still_open if m.due_date < TODAY]),
        len([m for m in milestones if m.status != Milestone.Status.CANCELLED]),
        len([m for m in milestones if m.status == Milestone.Status.DONE]),
    )


def add_desks(world, count: int) -> None:
    for number in range(1, count + 1):
        add_engagement(world, key="post-signature-sequence", name=f"Desk {number:02d}")


def test_counts_follow_the_work_done_blocked_cancelled_and_overdue(world):
    start_transition(actor=world.pmo, engagement=world.engagement)
    by_due_date = list(Milestone.objects.filter(engagement=world.engagement).order_by("due_date"))
    assert len(by_due_date) == 37
    complete_milestone(world, by_due_date[0])
    complete_milestone(world, by_due_date[1])
    overdue = [m for m in by_due_date if m.due_date < TODAY and m.status in Milestone.OPEN]
    update_milestone(actor=world.pmo, milestone=overdue[-1], status="blocked")
    update_milestone(actor=world.pmo, milestone=by_due_date[-1], status="cancelled")

    page = portfolio(actor=fresh(world.pmo), today=TODAY)

    [row] = page
    assert row.name == "Alpha care desk"
    open_count, overdue_count, total, done = counts(row)
    assert total == 36  # the cancelled milestone is no longer part of the plan
    assert done >= 2
    assert open_count == 36 - done
    assert 0 < overdue_count < open_count
    assert counts(row) == counted_by_hand(world.engagement)
    assert row.progress == round(100 * done / 36)
    assert row.next_phase_kind == "kickoff"


def test_overdue_is_counted_against_the_day_given(world):
    before_any_due = portfolio(actor=world.pmo, today=DAY0)[0]
    long_after = portfolio(actor=world.pmo, today=DAY0 + datetime.timedelta(days=400))[0]

    assert before_any_due.overdue_milestones == 0
    assert long_after.overdue_milestones == long_after.open_milestones == 37


def test_another_tenants_milestones_never_count(world, other_world):
    before = counts(portfolio(actor=world.pmo, today=TODAY)[0])
    # A row of tenant B that points at tenant A's engagement (only a bug could write it):
    # bound by engagement alone it would count; bound by tenant too it cannot.
    with tenant_context(other_world.tenant):
        stray = Milestone.objects.filter(engagement=other_world.engagement).first()
    Milestone._base_manager.filter(pk=stray.pk).update(engagement_id=world.engagement.pk)

    page = portfolio(actor=fresh(world.pmo), today=TODAY)

    assert [row.name for row in page] == ["Alpha care desk"]
    assert counts(page[0]) == before
    assert (before[0], before[2], before[3]) == (37, 37, 0)
    with tenant_context(other_world.tenant):
        assert [row.name for row in portfolio(actor=other_world.pmo)] == ["Bravo care desk"]


def test_members_see_their_engagements_only(world):
    add_desks(world, 1)
    seated = portfolio(actor=fresh(world.provider_staff), today=TODAY)
    unseated = portfolio(actor=fresh(world.bystander), today=TODAY)

    assert [row.name for row in seated] == ["Alpha care desk", "Desk 01"]
    assert counts(seated[0]) == counted_by_hand(world.engagement)
    assert list(unseated) == []
    assert unseated.paginator.count == 0


def test_queries_stay_the_same_for_1_and_30_engagements(world, django_assert_max_num_queries):
    # The actor's membership, the count, the page, its current phases.
    actor = fresh(world.pmo)
    with django_assert_max_num_queries(4):
        one = [
            (row.name, counts(row), row.next_phase_kind)
            for row in portfolio(actor=actor, per_page=50)
        ]
    assert len(one) == 1

    add_desks(world, 29)
    for desk in Engagement.objects.filter(name__in=["Desk 01", "Desk 02"]):
        start_transition(actor=world.pmo, engagement=desk)
    actor = fresh(world.pmo)
    with django_assert_max_num_queries(4):
        thirty = [
            (row.name, counts(row), (row.next_phase_kind, row.next_phase_status))
            for row in portfolio(actor=actor, per_page=50)
        ]
    assert len(thirty) == 30
    assert {total for _, (_, _, total, _), _ in thirty} == {37, 33}
    started = {name: kind for name, _, (kind, status) in thirty if status == "active"}
    assert started == {"Desk 01": "kickoff", "Desk 02": "kickoff"}


@pytest.mark.parametrize(
    ("asked", "shown", "names"),
    [
        (1, 1, ["Alpha care desk"] + [f"Desk {n:02d}" for n in range(1, 12)]),
        (2, 2, [f"Desk {n:02d}" for n in range(12, 24)]),
        (3, 3, [f"Desk {n:02d}" for n in range(24, 30)]),
        ("99", 3, [f"Desk {n:02d}" for n in range(24, 30)]),
        ("not a number", 1, ["Alpha care desk"] + [f"Desk {n:02d}" for n in range(1, 12)]),
    ],
)
def test_pages_split_the_portfolio_by_name(world, asked, shown, names):
    add_desks(world, 29)

    page = portfolio(actor=world.pmo, page=asked, per_page=12)

    assert page.number == shown
    assert page.paginator.count == 30
    assert page.paginator.num_pages == 3
    assert [row.name for row in page] == names
    assert all(row.total_milestones == 33 for row in page if row.name.startswith("Desk"))


def test_page_size_is_held_within_bounds(world):
    add_desks(world, 2)

    assert len(portfolio(actor=world.pmo, per_page=0)) == 1
    assert portfolio(actor=world.pmo, per_page=10_000).paginator.per_page == 200
