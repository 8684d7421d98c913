"""The plan arithmetic (``engagements.plan``): day N, the review anchor, a phase that slips.

Pure: nothing here touches the database. The builders, the plan preview, the reschedule
preview and the reschedule itself all ask this module, so these tests state the rules once.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from engagements.models import Engagement
from engagements.plan import day, moved, phase_shift, review_anchor

DAY0 = datetime.date(2026, 1, 5)
GO_LIVE = datetime.date(2026, 3, 2)


def engagement(anchor: str) -> Engagement:
    return Engagement(review_anchor=anchor, contract_signed_on=DAY0, target_go_live=GO_LIVE)


def test_day_n_counts_from_day_0():
    assert day(DAY0, 0) == DAY0
    assert day(DAY0, 30) == datetime.date(2026, 2, 4)
    assert moved(DAY0, datetime.timedelta(days=-5)) == datetime.date(2025, 12, 31)


def test_reviews_count_from_the_anchor_the_engagement_names():
    signature = review_anchor(engagement=engagement(Engagement.ReviewAnchor.CONTRACT_SIGNATURE))
    go_live = review_anchor(engagement=engagement(Engagement.ReviewAnchor.GO_LIVE))
    assert (signature.on, signature.follows_go_live) == (DAY0, False)
    assert (go_live.on, go_live.follows_go_live) == (GO_LIVE, True)
    assert go_live.review_on(14) == datetime.date(2026, 3, 16)
    assert go_live.moved_by({"target_go_live", "name"})
    assert not signature.moved_by({"target_go_live"})
    assert signature.sentence == "counted from the contract signature (5 Jan 2026)"


def phase_ending(end: datetime.date, anchor: str):
    return SimpleNamespace(planned_end=end, engagement=engagement(anchor))


def test_a_slipped_phase_moves_what_lies_after_it_and_go_live_with_its_reviews():
    phase = phase_ending(datetime.date(2026, 2, 1), Engagement.ReviewAnchor.GO_LIVE)
    shift = phase_shift(phase=phase, planned_end=datetime.date(2026, 2, 8))
    assert shift.by == datetime.timedelta(days=7)
    assert shift.moved(datetime.date(2026, 2, 10)) == datetime.date(2026, 2, 17)
    assert (shift.moves_go_live, shift.new_go_live) == (True, datetime.date(2026, 3, 9))
    assert shift.moves_reviews and shift.review_on(30) == datetime.date(2026, 4, 8)


def test_reviews_counted_from_the_signature_stay_and_go_live_before_the_phase_stays():
    signed = phase_ending(datetime.date(2026, 2, 1), Engagement.ReviewAnchor.CONTRACT_SIGNATURE)
    shift = phase_shift(phase=signed, planned_end=datetime.date(2026, 2, 8))
    assert shift.moves_go_live and not shift.moves_reviews
    assert shift.review_on(30) == day(DAY0, 30)
    after_go_live = phase_ending(GO_LIVE, Engagement.ReviewAnchor.GO_LIVE)
    later = phase_shift(phase=after_go_live, planned_end=GO_LIVE + datetime.timedelta(days=3))
    assert not later.moves_go_live and later.new_go_live == GO_LIVE
    assert not phase_shift(phase=after_go_live, planned_end=GO_LIVE)
