"""The occasions a reminder is sent for: which rows are due, for whom, and what to say.

Each occasion is one set-based SQL statement over every tenant at once, driven by an index on
the due column (see migration 0002), joined to the people it reaches and to their local date.
The local dates come from ``zone``, a small table of every time zone where it is now past
08:00: an occasion falls on a person's local date and is due from 08:00 there to midnight.

The same occasion is checked again in Python just before it is sent (``check``), with the
person's seat on the engagement: whatever changed since the scan (a milestone done, a person
removed from the engagement) stops the reminder.

Beat's scan is incremental (``services.plan_scan``): it runs an occasion again only for zones
on a new local day and for tenants with new audit events. So an occasion may depend only on
the person's local date and on data that changes through audited services (a change that
writes no event must void the scan marks, as ``notifications.signals`` does for time zones);
anything else is picked up only by the hourly full pass.
"""

# SQL here is assembled from constants of this module only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import functools
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from accounts.models import known_time_zones
from engagements.models import Engagement, EngagementMember
from engagements.permissions import is_pmo, seat_of
from governance.models import Gate, GateCriterion
from milestones.models import Milestone
from notifications.models import (
    DEFAULT_ACTION_OVERDUE_DAYS,
    DEFAULT_ESCALATE_AFTER_DAYS,
    DEFAULT_LEAD_DAYS_MASK,
    MAX_LEAD_DAYS,
    Kind,
    Reminder,
    ReminderPolicy,
)
from registers.models import OPEN_STATUSES as OPEN_RAID_ITEM
from registers.models import RaidItem
from reporting.models import DriftAlert, Kpi, Review, ReviewKpiResult

OPEN_MILESTONE = ("not_started", "in_progress", "blocked")
QUIET_ENGAGEMENT = (Engagement.Status.CLOSED, Engagement.Status.ON_HOLD)
GATE_WAIT = datetime.timedelta(hours=24)
CRITERIA_DAYS_BEFORE_END = 2
REVIEW_DAYS_BEFORE = 3
REVIEW_UNPUBLISHED_DAYS_AFTER = 5


# --- The clock: where is it past 08:00, and which day is it there --------------------------


@dataclass(frozen=True)
class Zone:
    name: str
    local_date: datetime.date
    eight_at: datetime.datetime  # 08:00 on local_date there, in UTC


@functools.cache
def _zone_info(name: str) -> zoneinfo.ZoneInfo:
    # ZoneInfo keeps only a few zones alive; without a strong reference each scan would
    # read hundreds of zone files again.
    return zoneinfo.ZoneInfo(name)


def zones_in_use() -> list[str]:
    """The zones people's days run in: every tenant's, and those people chose themselves."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT time_zone FROM accounts_tenant UNION "
            "SELECT time_zone FROM accounts_user WHERE time_zone <> ''"
        )
        names = {name for (name,) in cursor.fetchall()}
    return sorted(names & known_time_zones())


def zones_past_reminder_hour(
    now: datetime.datetime, names: Iterable[str] | None = None
) -> list[Zone]:
    """The zones (of ``names``, default all) whose local time is at or past 08:00."""
    hour = settings.REMINDER_LOCAL_HOUR
    zones = []
    for name in sorted(known_time_zones()) if names is None else names:
        tz = _zone_info(name)
        local = now.astimezone(tz)
        if local.hour >= hour:
            eight = datetime.datetime.combine(local.date(), datetime.time(hour), tzinfo=tz)
            zones.append(Zone(name, local.date(), eight.astimezone(datetime.UTC)))
    return zones


def next_reminder_hour(*, now: datetime.datetime, time_zone: str) -> datetime.datetime:
    """The next 08:00 in ``time_zone`` after ``now`` (when a postponed reminder may go)."""
    tz = _zone_info(time_zone)
    local = now.astimezone(tz)
    hour = settings.REMINDER_LOCAL_HOUR
    day = local.date() + datetime.timedelta(days=1 if local.hour >= hour else 0)
    eight = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
    return eight.astimezone(datetime.UTC)


# --- SQL ----------------------------------------------------------------------------------


def _days(later: str, earlier: str) -> str:
    """Whole days from ``earlier`` to ``later`` (two date expressions), in this database."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _date(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _moment(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


@dataclass(frozen=True)
class Route:
    """One way from a due object to people: joins that bind the person's user row as ``u``."""

    joins: str
    where: str = "1 = 1"


def owner(column: str) -> Route:
    """The person named in ``column``, while they hold a seat on the engagement."""
    return Route(
        f"JOIN accounts_user u ON u.id = {column}",
        "EXISTS (SELECT 1 FROM engagements_engagementmember s "
        "WHERE s.engagement_id = e.id AND s.user_id = u.id)",
    )


TENANT_PMO = Route(
    "JOIN accounts_membership ms ON ms.tenant_id = e.tenant_id AND ms.role = 'pmo' "
    "JOIN accounts_user u ON u.id = ms.user_id"
)
PMO_SEATS = Route(
    "JOIN engagements_engagementmember s ON s.engagement_id = e.id "
    "AND s.side = 'pmo' AND s.role <> 'viewer' "
    "JOIN accounts_user u ON u.id = s.user_id"
)
LEADS = Route(
    "JOIN engagements_engagementmember s ON s.engagement_id = e.id AND s.role = 'lead' "
    "JOIN accounts_user u ON u.id = s.user_id"
)
SIDE_LEADS = Route(
    "JOIN engagements_engagementmember s ON s.engagement_id = e.id AND s.role = 'lead' "
    "AND (s.side = m.side OR (m.side = 'joint' AND s.side IN ('client', 'provider'))) "
    "JOIN accounts_user u ON u.id = s.user_id",
    "u.id <> m.owner_id",
)


@dataclass
class Window:
    """The dates and instants one scan looks at, computed once from the zones past 08:00."""

    zones: list[Zone]
    lead_days: set[int]
    action_overdue_days: int

    @property
    def latest_date(self) -> datetime.date:
        return max(zone.local_date for zone in self.zones)

    @property
    def earliest_date(self) -> datetime.date:
        return min(zone.local_date for zone in self.zones)

    def local_dates(self) -> set[datetime.date]:
        return {zone.local_date for zone in self.zones}

    def shifted(self, *offsets: int) -> list:
        days = sorted({d + datetime.timedelta(days=o) for d in self.local_dates() for o in offsets})
        return [_date(day) for day in days]

    def latest_gate_cutoff(self):
        return _moment(max(zone.eight_at for zone in self.zones) - GATE_WAIT)


def window_for(now: datetime.datetime) -> Window | None:
    zones = zones_past_reminder_hour(now, zones_in_use())
    if not zones:
        return None
    # Every tenant's lead times and chase window, in one query over the small policy table.
    lead_days = {day for day in range(1, MAX_LEAD_DAYS + 1) if DEFAULT_LEAD_DAYS_MASK >> day & 1}
    action_days = DEFAULT_ACTION_OVERDUE_DAYS
    for mask, days in ReminderPolicy._base_manager.values_list(
        "lead_days_mask", "action_overdue_days"
    ).distinct():
        lead_days |= {day for day in range(1, MAX_LEAD_DAYS + 1) if mask >> day & 1}
        action_days = max(action_days, days)
    return Window(zones=zones, lead_days=lead_days, action_overdue_days=action_days)


@dataclass(frozen=True)
class Occasion:
    """One kind of reminder as SQL: the due objects (``due``, selected first through their
    index and materialised, so the planner cannot start from the people instead), the
    condition that ties an object to a person's local date (``when``), and the routes to its
    recipients. ``alias`` names the due objects in ``when`` and the routes."""

    kind: str
    due: str  # SELECT ... FROM ... WHERE ...: the due objects, with the columns used below
    due_params: list
    alias: str
    when: str
    routes: tuple[Route, ...]

    def statement(
        self, window: Window, tenants: Sequence[int] | None = None
    ) -> tuple[str, list, str]:
        """(WITH clause, its params, SELECT of (tenant, kind, object, engagement, person,
        local date) rows), of every tenant or only of ``tenants``.

        Two steps, each materialised: ``due`` (the due objects, through their index), then
        ``reach`` (each due object with each person a route reaches, their tenant and the
        name of the zone their day runs in), and only then the zone by that name and the
        date test. Otherwise the planner joins every zone whose dates fit to every due
        object first (one row per zone per object) and drops the wrong zones last.
        """
        zones, zone_params = zone_table(window)
        o = self.alias
        only, only_params = "", []
        if tenants is not None:
            only, only_params = f" AND e.tenant_id IN ({_in(list(tenants))})", list(tenants)
        reach = " UNION ALL ".join(
            f"SELECT {o}.*, e.tenant_id AS scan_tenant_id, u.id AS scan_recipient_id, "
            f"COALESCE(NULLIF(u.time_zone, ''), t.time_zone) AS scan_zone "
            f"FROM due {o} "
            f"JOIN engagements_engagement e ON e.id = {o}.engagement_id "
            f"{route.joins} "
            f"JOIN accounts_tenant t ON t.id = e.tenant_id "
            f"WHERE e.status NOT IN ('closed', 'on_hold') AND u.is_active AND ({route.where})"
            f"{only}"
            for route in self.routes
        )
        with_clause = (
            f"WITH {zones}, due AS MATERIALIZED ({self.due}), reach AS MATERIALIZED ({reach})"
        )
        select = (
            f"SELECT {o}.scan_tenant_id AS tenant_id, '{self.kind}' AS kind, "
            f"{o}.id AS object_id, {o}.engagement_id AS engagement_id, "
            f"{o}.scan_recipient_id AS recipient_id, z.local_date AS occasion_date "
            f"FROM reach {o} JOIN zone z ON z.name = {o}.scan_zone "
            f"LEFT JOIN notifications_reminderpolicy p ON p.tenant_id = {o}.scan_tenant_id "
            f"WHERE ({self.when})"
        )
        params = [*zone_params, *self.due_params, *only_params * len(self.routes)]
        return with_clause, params, select


def _in(values: list) -> str:
    return ", ".join(["%s"] * len(values)) if values else "NULL"


def _lead_test(due: str) -> str:
    days = _days(due, "z.local_date")
    return (
        f"{days} BETWEEN 1 AND {MAX_LEAD_DAYS} "
        f"AND ((COALESCE(p.lead_days_mask, {DEFAULT_LEAD_DAYS_MASK}) >> {days}) & 1) = 1"
    )


MILESTONE_COLUMNS = "m.id, m.engagement_id, m.owner_id, m.side, m.due_date"
ACTION_COLUMNS = "a.id, r.engagement_id, a.action_owner_id, a.action_due"
ACTIONS = "reporting_reviewkpiresult a JOIN reporting_review r ON r.id = a.review_id"
RAID_COLUMNS = "i.id, i.engagement_id, i.owner_id, i.due_date"


def _owned_due_date(
    *, soon: str, overdue: str, rows: str, alias: str, owner_column: str, due_soon, latest
) -> tuple[Occasion, Occasion]:
    """Open work with an owner and a ``due_date`` (``rows``: SELECT ... WHERE, by ``alias``):
    its owner hears on each lead day before it, then daily while it is overdue."""
    due, person = f"{alias}.due_date", owner(f"{alias}.{owner_column}")
    return (
        Occasion(
            kind=soon,
            due=f"{rows} AND {due} IN ({_in(due_soon)})",
            due_params=due_soon,
            alias=alias,
            when=_lead_test(due),
            routes=(person,),
        ),
        Occasion(
            kind=overdue,
            due=f"{rows} AND {due} < %s",
            due_params=[latest],
            alias=alias,
            when=f"{due} < z.local_date",
            routes=(person,),
        ),
    )


def occasions(window: Window) -> list[Occasion]:
    """Every occasion, as SQL for this window (placeholders sized to its date lists)."""
    open_statuses = ", ".join(f"'{status}'" for status in OPEN_MILESTONE)
    open_milestones = f"FROM milestones_milestone m WHERE m.status IN ({open_statuses})"
    # The same status list as the partial index ``raid_open_due``, so that index serves.
    open_raid_statuses = ", ".join(f"'{status}'" for status in OPEN_RAID_ITEM)
    open_raid_items = f"FROM registers_raiditem i WHERE i.status IN ({open_raid_statuses})"
    due_soon = window.shifted(*window.lead_days)
    criteria_days = window.shifted(CRITERIA_DAYS_BEFORE_END)
    review_soon = window.shifted(REVIEW_DAYS_BEFORE)
    review_late = window.shifted(-REVIEW_UNPUBLISHED_DAYS_AFTER)
    latest = _date(window.latest_date)
    chase_from = _date(
        window.earliest_date - datetime.timedelta(days=window.action_overdue_days + 1)
    )
    return [
        *_owned_due_date(
            soon=Kind.MILESTONE_DUE_SOON,
            overdue=Kind.MILESTONE_OVERDUE,
            rows=f"SELECT {MILESTONE_COLUMNS} {open_milestones}",
            alias="m",
            owner_column="owner_id",
            due_soon=due_soon,
            latest=latest,
        ),
        Occasion(
            kind=Kind.MILESTONE_OVERDUE_LEAD,
            due=f"SELECT {MILESTONE_COLUMNS} {open_milestones} AND m.due_date < %s",
            due_params=[latest],
            alias="m",
            when=(
                f"{_days('z.local_date', 'm.due_date')} "
                f">= COALESCE(p.escalate_after_days, {DEFAULT_ESCALATE_AFTER_DAYS})"
            ),
            routes=(SIDE_LEADS,),
        ),
        Occasion(
            kind=Kind.GATE_AWAITING_DECISION,
            due=(
                "SELECT g.id, g.engagement_id, g.requested_at FROM governance_gate g "
                "WHERE g.status = 'requested' AND g.requested_at <= %s"
            ),
            due_params=[window.latest_gate_cutoff()],
            alias="g",
            when="g.requested_at <= z.gate_cutoff",
            routes=(TENANT_PMO, PMO_SEATS),
        ),
        Occasion(
            kind=Kind.GATE_CRITERIA_OPEN,
            due=(
                "SELECT g.id, g.engagement_id, ph.planned_end FROM engagements_phase ph "
                "JOIN governance_gate g ON g.phase_id = ph.id WHERE ph.status <> 'complete' "
                f"AND ph.planned_end IN ({_in(criteria_days)}) "
                "AND g.status IN ('open', 'rejected') AND EXISTS (SELECT 1 FROM "
                "governance_gatecriterion c WHERE c.gate_id = g.id AND c.required "
                "AND c.state = 'not_met')"
            ),
            due_params=criteria_days,
            alias="g",
            when="g.planned_end = z.criteria_end",
            routes=(TENANT_PMO, PMO_SEATS, LEADS),
        ),
        Occasion(
            kind=Kind.REVIEW_UPCOMING,
            due=(
                "SELECT r.id, r.engagement_id, r.scheduled_on FROM reporting_review r "
                f"WHERE r.status = 'scheduled' AND r.scheduled_on IN ({_in(review_soon)})"
            ),
            due_params=review_soon,
            alias="r",
            when="r.scheduled_on = z.review_soon",
            routes=(TENANT_PMO, PMO_SEATS, LEADS),
        ),
        Occasion(
            kind=Kind.REVIEW_UNPUBLISHED,
            due=(
                "SELECT r.id, r.engagement_id, r.scheduled_on FROM reporting_review r "
                f"WHERE r.status = 'scheduled' AND r.scheduled_on IN ({_in(review_late)})"
            ),
            due_params=review_late,
            alias="r",
            when="r.scheduled_on = z.review_late",
            routes=(TENANT_PMO, PMO_SEATS),
        ),
        Occasion(
            kind=Kind.ACTION_DUE_SOON,
            due=(
                f"SELECT {ACTION_COLUMNS} FROM {ACTIONS} WHERE a.action_owner_id IS NOT NULL "
                f"AND a.action_due IN ({_in(due_soon)})"
            ),
            due_params=due_soon,
            alias="a",
            when=_lead_test("a.action_due"),
            routes=(owner("a.action_owner_id"),),
        ),
        Occasion(
            kind=Kind.ACTION_OVERDUE,
            due=(
                f"SELECT {ACTION_COLUMNS} FROM {ACTIONS} WHERE a.action_owner_id IS NOT NULL "
                "AND a.action_due < %s AND a.action_due >= %s"
            ),
            due_params=[latest, chase_from],
            alias="a",
            when=(
                f"a.action_due < z.local_date AND {_days('z.local_date', 'a.action_due')} "
                f"<= COALESCE(p.action_overdue_days, {DEFAULT_ACTION_OVERDUE_DAYS})"
            ),
            routes=(owner("a.action_owner_id"),),
        ),
        *_owned_due_date(
            soon=Kind.RAID_DUE_SOON,
            overdue=Kind.RAID_OVERDUE,
            rows=f"SELECT {RAID_COLUMNS} {open_raid_items}",
            alias="i",
            owner_column="owner_id",
            due_soon=due_soon,
            latest=latest,
        ),
        # Once per episode: an open alert reaches each lead on the first scan that finds
        # them (the next 08:00 in their zone), and never again while it stays open.
        Occasion(
            kind=Kind.DRIFT_ALERT,
            due=(
                "SELECT d.id, k.engagement_id FROM reporting_driftalert d "
                "JOIN reporting_kpi k ON k.id = d.kpi_id WHERE d.ended_week IS NULL"
            ),
            due_params=[],
            alias="d",
            when=(
                "NOT EXISTS (SELECT 1 FROM notifications_reminder x "
                f"WHERE x.kind = '{Kind.DRIFT_ALERT}' AND x.object_id = d.id "
                "AND x.recipient_id = d.scan_recipient_id)"
            ),
            routes=(LEADS,),
        ),
    ]


def zone_table(window: Window) -> tuple[str, list]:
    """``zone(...) AS (VALUES ...)``: each zone past 08:00 with the dates it implies."""
    rows, params = [], []
    for zone in window.zones:
        rows.append("(%s, %s, %s, %s, %s, %s)")
        day = zone.local_date
        params += [
            zone.name,
            _date(day),
            _moment(zone.eight_at - GATE_WAIT),
            _date(day + datetime.timedelta(days=CRITERIA_DAYS_BEFORE_END)),
            _date(day + datetime.timedelta(days=REVIEW_DAYS_BEFORE)),
            _date(day - datetime.timedelta(days=REVIEW_UNPUBLISHED_DAYS_AFTER)),
        ]
    sql = (
        "zone (name, local_date, gate_cutoff, criteria_end, review_soon, review_late) "
        f"AS (VALUES {', '.join(rows)})"
    )
    return sql, params


# --- Checked again at send time, and put into words -----------------------------------------


@dataclass
class Described:
    """What a reminder says, or why it is no longer sent."""

    title: str = ""
    body: str = ""
    link: str = ""
    engagement_link: str = ""
    skip: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    # A reminder about a date: what is due and when. The notification centre words the
    # title from these when it is read (``notifications.wording``), so that it stays true.
    subject: str = ""
    due_on: datetime.date | None = None


def _engagement_path(engagement: Engagement) -> str:
    return f"/engagements/{engagement.public_id}/"


def _still_active(engagement: Engagement) -> bool:
    return engagement.status not in QUIET_ENGAGEMENT


def _is_lead(user, engagement: Engagement, sides: Iterable[str] | None = None) -> bool:
    seat = seat_of(user=user, engagement=engagement)
    return (
        seat is not None
        and seat.role == EngagementMember.Role.LEAD
        and (sides is None or seat.side in sides)
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _policy(tenant_id: int) -> ReminderPolicy:
    return ReminderPolicy.objects.filter(tenant_id=tenant_id).first() or ReminderPolicy()


def _milestone(reminder: Reminder, user) -> Described:
    milestone = (
        Milestone.objects.select_related("engagement", "owner", "phase")
        .filter(pk=reminder.object_id)
        .first()
    )
    if milestone is None:
        return Described(skip="the milestone was deleted")
    engagement = milestone.engagement
    if milestone.status not in OPEN_MILESTONE:
        return Described(skip=f"the milestone is {milestone.get_status_display().lower()}")
    if not _still_active(engagement):
        return Described(skip=f"the engagement is {engagement.get_status_display().lower()}")
    policy = _policy(milestone.tenant_id)
    days_left = (milestone.due_date - reminder.occasion_date).days
    link = f"{_engagement_path(engagement)}milestones/{milestone.public_id}/"
    facts = [
        ("Milestone", milestone.title),
        ("Phase", str(milestone.phase)),
        ("Owner", str(milestone.owner)),
        ("Due", milestone.due_date.isoformat()),
    ]
    if reminder.kind == Kind.MILESTONE_DUE_SOON:
        if milestone.owner_id != user.pk or not seat_of(user=user, engagement=engagement):
            return Described(skip="the recipient no longer owns the milestone here")
        if days_left not in policy.lead_days:
            return Described(skip="the milestone's due date moved")
        subject = f"“{milestone.title}”"
        title = f"{subject} is due in {_plural(days_left, 'day')}"
        body = f"You own this milestone; its due date is {milestone.due_date:%A %d %B %Y}."
    elif reminder.kind == Kind.MILESTONE_OVERDUE:
        if milestone.owner_id != user.pk or not seat_of(user=user, engagement=engagement):
            return Described(skip="the recipient no longer owns the milestone here")
        if days_left >= 0:
            return Described(skip="the milestone's due date moved")
        subject = f"“{milestone.title}”"
        title = f"{subject} is {_plural(-days_left, 'day')} overdue"
        body = f"You own this milestone; its due date is {milestone.due_date:%A %d %B %Y}."
    else:
        sides = (
            ("client", "provider") if milestone.side == Milestone.Side.JOINT else (milestone.side,)
        )
        if not _is_lead(user, engagement, sides):
            return Described(skip="the recipient is no longer the lead of that side")
        if -days_left < policy.escalate_after_days:
            return Described(skip="the milestone's due date moved")
        subject = f"{milestone.owner}'s “{milestone.title}”"
        title = f"{subject} is {_plural(-days_left, 'day')} overdue"
        body = (
            f"A {milestone.get_side_display().lower()} milestone on the side you lead; its due "
            f"date is {milestone.due_date:%A %d %B %Y}."
        )
    return Described(
        title=title,
        body=body,
        link=link,
        engagement_link=_engagement_path(engagement),
        facts=facts,
        subject=subject,
        due_on=milestone.due_date,
    )


def _gate(reminder: Reminder, user) -> Described:
    gate = Gate.objects.select_related("engagement", "phase").filter(pk=reminder.object_id).first()
    if gate is None:
        return Described(skip="the gate was deleted")
    engagement = gate.engagement
    if not _still_active(engagement):
        return Described(skip=f"the engagement is {engagement.get_status_display().lower()}")
    link = f"{_engagement_path(engagement)}gates/{gate.public_id}/"
    if reminder.kind == Kind.GATE_AWAITING_DECISION:
        if gate.status != Gate.Status.REQUESTED:
            return Described(skip=f"the gate is {gate.get_status_display().lower()}")
        if not is_pmo(user=user, engagement=engagement):
            return Described(skip="the recipient is no longer PMO here")
        return Described(
            title=f"Gate “{gate.name}” is waiting for a PMO decision",
            body=(
                f"A decision was requested on {gate.requested_at:%A %d %B %Y at %H:%M} UTC "
                "and has not been made."
            ),
            link=link,
            engagement_link=_engagement_path(engagement),
            facts=[("Gate", gate.name), ("Phase", str(gate.phase))],
        )
    phase = gate.phase
    if gate.status not in (Gate.Status.OPEN, Gate.Status.REJECTED) or phase.status == "complete":
        return Described(skip=f"the gate is {gate.get_status_display().lower()}")
    if (phase.planned_end - reminder.occasion_date).days != CRITERIA_DAYS_BEFORE_END:
        return Described(skip="the phase's planned end moved")
    if not (is_pmo(user=user, engagement=engagement) or _is_lead(user, engagement)):
        return Described(skip="the recipient is no longer PMO or a lead here")
    still_open = list(
        GateCriterion.objects.filter(gate=gate, required=True, state=GateCriterion.State.NOT_MET)
        .order_by("position", "id")
        .values_list("text", flat=True)
    )
    if not still_open:
        return Described(skip="every required criterion is met")
    return Described(
        title=(
            f"{len(still_open)} required "
            f"{'criterion' if len(still_open) == 1 else 'criteria'} of “{gate.name}” still open"
        ),
        body=(
            f"The {phase} phase is planned to end on {phase.planned_end:%A %d %B %Y}. Open: "
            + "; ".join(still_open)
            + "."
        ),
        link=f"{link}#criteria",
        engagement_link=_engagement_path(engagement),
        facts=[("Gate", gate.name), ("Phase ends", phase.planned_end.isoformat())],
    )


def _review(reminder: Reminder, user) -> Described:
    review = Review.objects.select_related("engagement").filter(pk=reminder.object_id).first()
    if review is None:
        return Described(skip="the review was deleted")
    engagement = review.engagement
    if not _still_active(engagement):
        return Described(skip=f"the engagement is {engagement.get_status_display().lower()}")
    if review.status != Review.Status.SCHEDULED:
        return Described(skip="the review is published")
    link = f"{_engagement_path(engagement)}reviews/{review.public_id}/"
    facts = [("Review", review.title), ("Date", review.scheduled_on.isoformat())]
    if reminder.kind == Kind.REVIEW_UPCOMING:
        if (review.scheduled_on - reminder.occasion_date).days != REVIEW_DAYS_BEFORE:
            return Described(skip="the review's date moved")
        if not (is_pmo(user=user, engagement=engagement) or _is_lead(user, engagement)):
            return Described(skip="the recipient is no longer PMO or a lead here")
        return Described(
            title=f"{review} in {REVIEW_DAYS_BEFORE} days",
            body=f"“{review.title}” is scheduled for {review.scheduled_on:%A %d %B %Y}.",
            link=link,
            engagement_link=_engagement_path(engagement),
            facts=facts,
            subject=str(review),
            due_on=review.scheduled_on,
        )
    if (reminder.occasion_date - review.scheduled_on).days != REVIEW_UNPUBLISHED_DAYS_AFTER:
        return Described(skip="the review's date moved")
    if not is_pmo(user=user, engagement=engagement):
        return Described(skip="the recipient is no longer PMO here")
    return Described(
        title=f"{review} is not published yet",
        body=(
            f"“{review.title}” was on {review.scheduled_on:%A %d %B %Y} and was still "
            f"unpublished {REVIEW_UNPUBLISHED_DAYS_AFTER} days later."
        ),
        link=link,
        engagement_link=_engagement_path(engagement),
        facts=facts,
    )


def _action(reminder: Reminder, user) -> Described:
    result = (
        ReviewKpiResult.objects.select_related("review__engagement", "kpi")
        .filter(pk=reminder.object_id)
        .first()
    )
    if result is None:
        return Described(skip="the KPI result was deleted")
    review, engagement = result.review, result.review.engagement
    if not _still_active(engagement):
        return Described(skip=f"the engagement is {engagement.get_status_display().lower()}")
    if result.action_owner_id != user.pk or not seat_of(user=user, engagement=engagement):
        return Described(skip="the recipient no longer owns the corrective action here")
    if result.action_due is None:
        return Described(skip="the corrective action has no due date")
    days_left = (result.action_due - reminder.occasion_date).days
    policy = _policy(result.tenant_id)
    if reminder.kind == Kind.ACTION_DUE_SOON:
        if days_left not in policy.lead_days:
            return Described(skip="the corrective action's due date moved")
        title = f"Corrective action for {result.kpi.name} is due in {_plural(days_left, 'day')}"
    else:
        if not 0 < -days_left <= policy.action_overdue_days:
            return Described(skip="the corrective action's due date moved")
        title = f"Corrective action for {result.kpi.name} is {_plural(-days_left, 'day')} overdue"
    return Described(
        subject=f"Corrective action for {result.kpi.name}",
        due_on=result.action_due,
        title=title,
        body=f"{result.corrective_action} (due {result.action_due:%A %d %B %Y}, {review}).",
        link=f"{_engagement_path(engagement)}reviews/{review.public_id}/#result-{result.public_id}",
        engagement_link=_engagement_path(engagement),
        facts=[("KPI", result.kpi.name), ("Due", result.action_due.isoformat())],
    )


def _raid_item(reminder: Reminder, user) -> Described:
    item = RaidItem.objects.select_related("engagement").filter(pk=reminder.object_id).first()
    if item is None:
        return Described(skip="the RAID item was deleted")
    engagement = item.engagement
    what = item.get_kind_display()
    if not item.is_open:
        return Described(skip=f"the {what.lower()} is {item.get_status_display().lower()}")
    if not _still_active(engagement):
        return Described(skip=f"the engagement is {engagement.get_status_display().lower()}")
    if item.owner_id != user.pk or not seat_of(user=user, engagement=engagement):
        return Described(skip=f"the recipient no longer owns the {what.lower()} here")
    days_left = (item.due_date - reminder.occasion_date).days
    if reminder.kind == Kind.RAID_DUE_SOON:
        if days_left not in _policy(item.tenant_id).lead_days:
            return Described(skip=f"the {what.lower()}'s due date moved")
        title = f"{what} “{item.title}” is due in {_plural(days_left, 'day')}"
    else:
        if days_left >= 0:
            return Described(skip=f"the {what.lower()}'s due date moved")
        title = f"{what} “{item.title}” is {_plural(-days_left, 'day')} overdue"
    return Described(
        subject=f"{what} “{item.title}”",
        due_on=item.due_date,
        title=title,
        body=(
            f"You own this {what.lower()} in the RAID register; its due date is "
            f"{item.due_date:%A %d %B %Y}."
        ),
        link=f"{_engagement_path(engagement)}raid/{item.public_id}/",
        engagement_link=_engagement_path(engagement),
        facts=[
            (what, item.title),
            ("Status", item.get_status_display()),
            ("Due", item.due_date.isoformat()),
        ],
    )


def _number(value) -> str:
    return format(value.normalize(), "f")


def _drift_alert(reminder: Reminder, user) -> Described:
    alerts = DriftAlert.objects.select_related("kpi__engagement")
    alert = alerts.filter(pk=reminder.object_id).first()
    if alert is None:
        return Described(skip="the drift alert was deleted")
    kpi, engagement = alert.kpi, alert.kpi.engagement
    if not alert.is_open:
        return Described(skip=f"{kpi.name} recovered")
    if not _still_active(engagement):
        return Described(skip=f"the engagement is {engagement.get_status_display().lower()}")
    if not _is_lead(user, engagement):
        return Described(skip="the recipient is no longer a lead here")
    target = f"{_number(kpi.target)}{f' {kpi.unit}' if kpi.unit else ''}"
    better = "higher" if kpi.direction == Kpi.Direction.HIGHER else "lower"
    since = f"the week of Monday {alert.started_week:%d %B %Y}"
    if alert.kind == DriftAlert.Kind.BELOW_TARGET:
        title = f"{kpi.name} is below its target of {target}"
        body = f"Its weekly mean has missed the target since {since} ({better} is better)."
    else:
        title = f"{kpi.name} has got worse three weeks running"
        body = (
            f"Still on its target of {target} ({better} is better), but worse week after "
            f"week since {since}: a slow drift that daily figures hide."
        )
    return Described(
        title=title,
        body=f"{body} You hear about this episode once; the KPI page shows when it ends.",
        link=f"{_engagement_path(engagement)}kpis/{kpi.public_id}/",
        engagement_link=_engagement_path(engagement),
        facts=[
            ("KPI", kpi.name),
            ("Target", target),
            ("Drift", alert.get_kind_display()),
            ("Since", alert.started_week.isoformat()),
        ],
    )


DESCRIBERS = {
    Kind.MILESTONE_DUE_SOON: _milestone,
    Kind.MILESTONE_OVERDUE: _milestone,
    Kind.MILESTONE_OVERDUE_LEAD: _milestone,
    Kind.GATE_AWAITING_DECISION: _gate,
    Kind.GATE_CRITERIA_OPEN: _gate,
    Kind.REVIEW_UPCOMING: _review,
    Kind.REVIEW_UNPUBLISHED: _review,
    Kind.ACTION_DUE_SOON: _action,
    Kind.ACTION_OVERDUE: _action,
    Kind.RAID_DUE_SOON: _raid_item,
    Kind.RAID_OVERDUE: _raid_item,
    Kind.DRIFT_ALERT: _drift_alert,
}


def describe(reminder: Reminder) -> Described:
    """The reminder in words, checked against the data as it is now (inside its tenant)."""
    return DESCRIBERS[reminder.kind](reminder, reminder.recipient)
