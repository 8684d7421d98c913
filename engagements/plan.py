"""Plan arithmetic, in one pure module: the dates a plan is made of.

Day N of an engagement, the day its reviews are counted from, and a review's window. The
builders, the reschedule preview and the reschedule itself, the reports and the pages all ask
here; nothing in this module reads or writes the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from engagements.models import Engagement


def day(day0: datetime.date, offset: int) -> datetime.date:
    """Day ``offset`` of a plan whose day 0 is ``day0`` (day 0 itself at offset 0)."""
    return day0 + datetime.timedelta(days=offset)


@dataclass(frozen=True)
class ReviewAnchor:
    """The day an engagement's reviews are counted from, and how a page says it."""

    on: datetime.date
    field: str  # the engagement field it follows: moving that field re-dates the reviews
    label: str

    @property
    def sentence(self) -> str:
        return f"counted from {self.label} ({self.on.day} {self.on:%b %Y})"


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
