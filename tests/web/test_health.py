"""The health rule on its own: the portfolio shows exactly what this function says."""

import datetime

from transition.health import RED_FROM_OVERDUE_MILESTONES, engagement_health

TODAY = datetime.date(2026, 3, 2)


def health(**facts):
    values = {
        "status": "in_transition",
        "overdue_milestones": 0,
        "next_gate_name": "Access ready",
        "next_gate_due": TODAY + datetime.timedelta(days=5),
        "today": TODAY,
    }
    return engagement_health(**{**values, **facts})


def test_nothing_overdue_is_green_and_says_so():
    result = health()
    assert (result.level, result.reasons) == ("green", ["On track: nothing overdue."])


def test_a_gate_due_today_is_not_yet_late():
    assert health(next_gate_due=TODAY).level == "green"


def test_a_few_overdue_milestones_are_amber():
    result = health(overdue_milestones=1)
    assert (result.level, result.reasons) == ("amber", ["1 milestone overdue."])
    assert health(overdue_milestones=RED_FROM_OVERDUE_MILESTONES - 1).level == "amber"


def test_many_overdue_milestones_are_red():
    result = health(overdue_milestones=RED_FROM_OVERDUE_MILESTONES)
    assert result.level == "red"
    assert result.reasons == [f"{RED_FROM_OVERDUE_MILESTONES} milestones overdue."]


def test_a_gate_past_its_planned_date_is_red_with_the_date_in_words():
    result = health(next_gate_due=datetime.date(2026, 2, 27))
    assert result.level == "red"
    assert result.reasons == [
        "Gate “Access ready” was planned for 27 Feb 2026 (3 days ago) and is not approved."
    ]


def test_on_hold_is_amber_and_every_reason_is_listed_worst_first():
    assert health(status="on_hold").reasons == ["On hold: no gate can be decided until it resumes."]
    assert health(status="on_hold").level == "amber"
    result = health(
        status="on_hold", overdue_milestones=1, next_gate_due=TODAY - datetime.timedelta(days=1)
    )
    assert result.level == "red"
    assert result.reasons == [
        "Gate “Access ready” was planned for 1 Mar 2026 (1 day ago) and is not approved.",
        "1 milestone overdue.",
        "On hold: no gate can be decided until it resumes.",
    ]


def test_a_finished_or_closed_engagement_has_no_gate_to_miss():
    assert health(next_gate_name=None, next_gate_due=None).level == "green"
    closed = health(status="closed", overdue_milestones=9, next_gate_due=TODAY.replace(day=1))
    assert (closed.level, closed.reasons) == ("green", ["Closed: nothing left to watch."])
