"""Baselines in the demo (issue 19): the back-office transition has the baseline saved when it
started, and one PMO named when the plan was agreed with the client; three of its access
milestones then slipped, so the engagement page, the timeline, the Baselines tab and the
reports show the slip (the access gate itself slips later, in ``setup._slip_a_gate``)."""

from __future__ import annotations

import datetime

from accounts.models import User
from baselines.models import Baseline
from baselines.services import save_baseline
from engagements.models import Engagement
from milestones.models import Milestone
from milestones.services import update_milestone

NAME = "Plan agreed with Acme"
SLIPS = (3, 4, 6)  # days, one per slipped access milestone


def add_demo_baselines(*, users: dict[str, User]) -> None:
    engagement = Engagement.objects.filter(name="Back-office transition").first()
    if engagement is None or Baseline.objects.filter(engagement=engagement, name=NAME).exists():
        return
    pmo = users["pmo"]
    save_baseline(
        actor=pmo,
        engagement=engagement,
        name=NAME,
        note="The dates both sides signed off at the kickoff meeting",
    )
    access = Milestone.objects.filter(
        engagement=engagement, phase__kind="access", status__in=Milestone.OPEN
    ).order_by("due_date", "id")
    for milestone, days in zip(access[: len(SLIPS)], SLIPS, strict=False):
        update_milestone(
            actor=pmo,
            milestone=milestone,
            due_date=milestone.due_date + datetime.timedelta(days=days),
        )
