"""Which milestone statuses are open, stated once (its home: ``milestones.models``): not
started, in progress and blocked still need work; done and cancelled do not. Gates, lists and
reminders ask ``Milestone.OPEN`` (a query) or ``is_open`` (one milestone), never a list of
their own."""

from __future__ import annotations

from milestones.models import OPEN_STATUSES, Milestone


def test_open_is_every_status_but_done_and_cancelled():
    assert Milestone.OPEN is OPEN_STATUSES
    assert set(Milestone.OPEN) == {"not_started", "in_progress", "blocked"}
    assert set(Milestone.OPEN) == set(Milestone.Status.values) - set(Milestone.CLOSED)
    for status in Milestone.Status.values:
        assert Milestone(status=status).is_open is (status in Milestone.OPEN)
