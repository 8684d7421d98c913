"""The reminders a milestone is the occasion for: due soon and overdue (to its owner), and
overdue for longer than the tenant allows (to the lead of its side)."""

# SQL here is assembled from constants of the code only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from engagements.permissions import is_side_lead, seat_of
from engagements.reminders import engagement_path, leads, quiet_reason, seated
from kernel import registry
from kernel.occasions import (
    Described,
    DueQuery,
    LedgerRow,
    Occasion,
    ReminderSettings,
    Window,
    days_between,
    due_date_queries,
    due_phrase,
    quoted,
    sql_date,
)
from milestones.models import OPEN_STATUSES, Milestone

DUE_SOON = "milestone_due_soon"
OVERDUE = "milestone_overdue"
OVERDUE_LEAD = "milestone_overdue_lead"

OPEN_MILESTONES = (
    "SELECT m.id, m.engagement_id, m.owner_id, m.side, m.due_date FROM milestones_milestone m "
    f"WHERE m.status IN ({quoted(OPEN_STATUSES)})"
)
OWNER = seated("m.owner_id")
# A joint milestone is on both sides; its owner is not escalated to about their own milestone.
SIDE_LEADS = dataclasses.replace(
    leads(
        f"s.side = m.side OR (m.side = '{Milestone.Side.JOINT}' "
        f"AND s.side IN ('{Milestone.Side.CLIENT}', '{Milestone.Side.PROVIDER}'))"
    ),
    where="u.id <> m.owner_id",
)


def sides_of(milestone: Milestone) -> tuple[str, ...]:
    if milestone.side == Milestone.Side.JOINT:
        return (Milestone.Side.CLIENT, Milestone.Side.PROVIDER)
    return (milestone.side,)


def overdue_lead(window: Window) -> DueQuery:
    return DueQuery(
        due=f"{OPEN_MILESTONES} AND m.due_date < %s",
        due_params=[sql_date(window.latest_date)],
        alias="m",
        when=(
            f"{days_between('z.local_date', 'm.due_date')} "
            f">= {window.setting('escalate_after_days')}"
        ),
        routes=(SIDE_LEADS,),
    )


def describe(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    user = row.recipient
    milestone = (
        Milestone.objects.select_related("engagement", "owner", "phase")
        .filter(pk=row.object_id)
        .first()
    )
    if milestone is None:
        return Described(skip="the milestone was deleted")
    engagement = milestone.engagement
    if milestone.status not in OPEN_STATUSES:
        return Described(skip=f"the milestone is {milestone.get_status_display().lower()}")
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    settings = policy()
    days_left = (milestone.due_date - row.occasion_date).days
    if row.kind == OVERDUE_LEAD:
        if not is_side_lead(user=user, engagement=engagement, sides=sides_of(milestone)):
            return Described(skip="the recipient is no longer the lead of that side")
        if -days_left < settings.escalate_after_days:
            return Described(skip="the milestone's due date moved")
        subject = f"{milestone.owner}'s “{milestone.title}”"
        body = (
            f"A {milestone.get_side_display().lower()} milestone on the side you lead; its due "
            f"date is {milestone.due_date:%A %d %B %Y}."
        )
    else:
        if milestone.owner_id != user.pk or not seat_of(user=user, engagement=engagement):
            return Described(skip="the recipient no longer owns the milestone here")
        moved = days_left not in settings.lead_days if row.kind == DUE_SOON else days_left >= 0
        if moved:
            return Described(skip="the milestone's due date moved")
        subject = f"“{milestone.title}”"
        body = f"You own this milestone; its due date is {milestone.due_date:%A %d %B %Y}."
    return Described(
        title=f"{subject} {due_phrase(due_on=milestone.due_date, today=row.occasion_date)}",
        body=body,
        link=f"{engagement_path(engagement)}milestones/{milestone.public_id}/",
        engagement_link=engagement_path(engagement),
        facts=[
            ("Milestone", milestone.title),
            ("Phase", str(milestone.phase)),
            ("Owner", str(milestone.owner)),
            ("Due", milestone.due_date.isoformat()),
        ],
        subject=subject,
        due_on=milestone.due_date,
    )


soon, late = due_date_queries(rows=OPEN_MILESTONES, alias="m", due="m.due_date", to=OWNER)
for kind, query in ((DUE_SOON, soon), (OVERDUE, late), (OVERDUE_LEAD, overdue_lead)):
    registry.occasions.register(kind, Occasion(kind=kind, query=query, describe=describe))
