"""Plan arithmetic, in one pure module: the dates a plan is made of.

Day N of an engagement, the day its reviews are counted from, a review's window, and what a
phase that slips moves with it. The builders, the reschedule preview and the reschedule
itself, the reports and the pages all ask here; nothing in this module reads or writes the
database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from engagements.models import Engagement


def day(day0: datetime.date, offset: int) -> datetime.date:
    """Day ``offset`` of a plan whose day 0 is ``day0`` (day 0 itself at offset 0)."""
    return day0 + datetime.timedelta(days=offset)


def moved(date: datetime.date, by: datetime.timedelta) -> datetime.date:
    """A planned date (a phase's start or end, a milestone's due date) moved ``by``."""
    return date + by


@dataclass(frozen=True)
class ReviewAnchor:
    """The day an engagement's reviews are counted from, and how a page says it."""

    on: datetime.date
    field: str  # the engagement field it follows: moving that field re-dates the reviews
    label: str

    @property
    def sentence(self) -> str:
        return f"counted from {self.label} ({self.on.day} {self.on:%b %Y})"

    @property
    def follows_go_live(self) -> bool:
        """Moving the target go-live re-dates the reviews."""
        return self.field == "target_go_live"

    def moved_by(self, changed: set[str]) -> bool:
        """The reviews are re-dated when the engagement fields in ``changed`` move."""
        return self.field in changed

    def review_on(self, review_day: int) -> datetime.date:
        """The date of the review held on day ``review_day`` of this anchor."""
        return day(self.on, review_day)


def review_anchor(*, engagement: Engagement) -> ReviewAnchor:
    """The one place that says where day 0 of the reviews is: scheduling, re-dating, the
    reports, the plan preview and the pages all ask here (``engagement`` may be unsaved)."""
    if engagement.review_anchor == Engagement.ReviewAnchor.GO_LIVE:
        return ReviewAnchor(engagement.target_go_live, "target_go_live", "go-live")
    return ReviewAnchor(
        engagement.contract_signed_on, "contract_signed_on", "the contract signature"
    )


def review_window(*, review) -> tuple[datetime.date, datetime.date]:
    """The days a review holds its KPIs over: ``window_days`` days, ending on its date."""
    end = review.scheduled_on
    return end - datetime.timedelta(days=review.window_days - 1), end


@dataclass(frozen=True)
class PhaseShift:
    """A phase's end moves: by how much, and what moves with it.

    Every later phase and the open milestones in them move by the same number of days; so
    does the target go-live when it lay after the old end, and with it the reviews when they
    are counted from go-live. ``transition.services.reschedule_phase`` writes exactly this;
    ``transition.selectors.reschedule_preview`` shows it first.
    """

    old_end: datetime.date
    new_end: datetime.date
    go_live: datetime.date
    anchor: ReviewAnchor

    @property
    def by(self) -> datetime.timedelta:
        return self.new_end - self.old_end

    def __bool__(self) -> bool:
        return bool(self.by)

    def moved(self, date: datetime.date) -> datetime.date:
        """A later phase's date, or an open milestone's, after the shift."""
        return moved(date, self.by)

    @property
    def moves_go_live(self) -> bool:
        return self.go_live > self.old_end

    @property
    def new_go_live(self) -> datetime.date:
        return self.moved(self.go_live) if self.moves_go_live else self.go_live

    @property
    def moves_reviews(self) -> bool:
        return self.moves_go_live and self.anchor.follows_go_live

    def review_on(self, review_day: int) -> datetime.date:
        """The date of an unpublished review held on day ``review_day``, after the shift."""
        anchor_on = self.new_go_live if self.moves_reviews else self.anchor.on
        return day(anchor_on, review_day)


def phase_shift(*, phase, planned_end: datetime.date) -> PhaseShift:
    """What moving ``phase`` (with its engagement) to end on ``planned_end`` moves."""
    engagement = phase.engagement
    return PhaseShift(
        old_end=phase.planned_end,
        new_end=planned_end,
        go_live=engagement.target_go_live,
        anchor=review_anchor(engagement=engagement),
    )
