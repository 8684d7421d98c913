"""The reminders the readiness roster is the occasion for:

- an access batch with steps waiting on the client's approval for longer than the tenant allows
  (``access_approval_days``): to the client's leads, every day until approved or refused;
- a person whose start date is one of the tenant's lead days away while they are not ready:
  to the provider's leads;
- a wave whose go-live (its own go-live date, or else the controlled go-live phase's planned
  end) is one of the tenant's lead days away while somebody on it is not ready: to PMO and
  the leads.

Readiness is the rule of ``roster.readiness``, here in its SQL form (``not_ready_sql``)."""

# SQL here is assembled from constants of the code only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from engagements.permissions import is_pmo_or_lead, is_side_lead
from engagements.reminders import (
    LEADS,
    PMO_SEATS,
    TENANT_PMO,
    engagement_path,
    leads,
    quiet_reason,
)
from kernel import registry
from kernel.occasions import (
    Described,
    DueQuery,
    LedgerRow,
    Occasion,
    ReminderSettings,
    Window,
    days_between,
    due_phrase,
    due_soon,
    plural,
    quoted,
    sql_date,
)
from roster.models import AccessBatch, AccessStep, Person, Wave
from roster.readiness import not_ready_sql, readiness_of, readiness_of_person

ACCESS_WAITING = "roster_access_waiting"
START_NOT_READY = "roster_start_not_ready"
WAVE_NOT_READY = "roster_wave_not_ready"

CLIENT_LEADS = leads("s.side = 'client'")
PROVIDER_LEADS = leads("s.side = 'provider'")
# People counted in readiness who have not gone live yet (a person who left is not counted).
NOT_LIVE = ("planned", "in_training", "certified")
NAMED = 5


def roster_path(engagement) -> str:
    return f"{engagement_path(engagement)}roster/"


def _names(people: list[str], total: int) -> str:
    shown = ", ".join(people[:NAMED])
    return shown + (f" and {total - NAMED} more" if total > NAMED else "")


# --- Access waiting on the client --------------------------------------------------------


def access_waiting(window: Window) -> DueQuery:
    """Batches with a step still requested (waiting on the client) since a day at least the
    tenant's ``access_approval_days`` before the person's local date."""
    return DueQuery(
        due=(
            "SELECT b.id, b.engagement_id, date(MIN(st.waiting_since)) AS waiting_from "
            "FROM roster_accessstep st JOIN roster_accessbatch b ON b.id = st.batch_id "
            "JOIN roster_person r ON r.id = st.person_id "
            f"WHERE st.status = '{AccessStep.Status.REQUESTED}' AND st.waiting_since < %s "
            f"AND r.status IN ({quoted(Person.ON_ROSTER)}) AND r.erased_at IS NULL "
            "GROUP BY b.id, b.engagement_id"
        ),
        due_params=[sql_date(window.latest_date)],
        alias="b",
        when=(
            f"{days_between('z.local_date', 'b.waiting_from')} "
            f">= {window.setting('access_approval_days')}"
        ),
        routes=(CLIENT_LEADS,),
    )


def describe_access(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    batch = AccessBatch.objects.select_related("engagement").filter(pk=row.object_id).first()
    if batch is None:
        return Described(skip="the access batch was deleted")
    engagement = batch.engagement
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if not is_side_lead(user=row.recipient, engagement=engagement, sides=("client",)):
        return Described(skip="the recipient is no longer the client's lead here")
    days = policy().access_approval_days
    waiting = [
        step
        for step in AccessStep.objects.filter(
            batch=batch,
            status=AccessStep.Status.REQUESTED,
            person__status__in=Person.ON_ROSTER,
            person__erased_at=None,
        )
        .select_related("person", "system")
        .order_by("waiting_since", "person__name", "system__position")
        if (row.occasion_date - step.waiting_since.date()).days >= days
    ]
    if not waiting:
        return Described(skip="no step of the batch waits on the client's approval any more")
    oldest = waiting[0].waiting_since.date()
    people = list(dict.fromkeys(step.person.name for step in waiting))
    waited = (row.occasion_date - oldest).days
    return Described(
        title=(
            f"{plural(len(waiting), 'access approval')} of “{batch.label}” waiting on the "
            f"client for {plural(waited, 'day')}"
        ),
        body=(
            f"Requested on {batch.requested_at:%A %d %B %Y}; the oldest has waited since "
            f"{oldest:%A %d %B %Y}. Waiting for your side's approval: "
            f"{_names(people, len(people))}."
        ),
        link=f"{roster_path(engagement)}#batch-{batch.public_id}",
        engagement_link=engagement_path(engagement),
        facts=[
            ("Batch", batch.label),
            ("Waiting on the client", str(len(waiting))),
            ("Oldest since", oldest.isoformat()),
        ],
    )


# --- A person starting soon, not ready ----------------------------------------------------

NOT_READY_PEOPLE = (
    "SELECT r.id, r.engagement_id, r.start_date FROM roster_person r "
    f"WHERE r.status IN ({quoted(NOT_LIVE)}) AND r.erased_at IS NULL AND {not_ready_sql('r')}"
)


def start_not_ready(window: Window) -> DueQuery:
    return due_soon(
        rows=NOT_READY_PEOPLE, alias="r", due="r.start_date", to=PROVIDER_LEADS, window=window
    )


def describe_start(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    person = Person.objects.select_related("engagement", "wave").filter(pk=row.object_id).first()
    if person is None:
        return Described(skip="the person was deleted")
    engagement = person.engagement
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if person.erased or person.status not in NOT_LIVE:
        return Described(skip=f"the person is {person.get_status_display().lower()}")
    if not is_side_lead(user=row.recipient, engagement=engagement, sides=("provider",)):
        return Described(skip="the recipient is no longer the provider's lead here")
    if (person.start_date - row.occasion_date).days not in policy().lead_days:
        return Described(skip="the person's start date moved")
    readiness = readiness_of_person(person)
    if readiness.ready:
        return Described(skip="the person is ready")
    subject = f"{person.name} ({person.role}, {person.wave.label})"
    when = due_phrase(due_on=person.start_date, today=row.occasion_date, event=True)
    return Described(
        title=f"{subject} starts {when} and is not ready",
        body=(
            f"{person.name} starts on {person.start_date:%A %d %B %Y}. Still missing: "
            + "; ".join(readiness.missing_words())
            + "."
        ),
        link=f"{roster_path(engagement)}#person-{person.public_id}",
        engagement_link=engagement_path(engagement),
        facts=[
            ("Person", person.name),
            ("Wave", person.wave.label),
            ("Starts", person.start_date.isoformat()),
            ("Missing", str(len(readiness.missing))),
        ],
    )


# --- A wave going live soon, not ready ----------------------------------------------------

# A wave's go-live: its own date, or else the controlled go-live phase's planned end when the
# wave has started by then and that phase is not complete.
WAVES_GOING_LIVE = (
    "SELECT * FROM (SELECT w.id, w.engagement_id, "
    "COALESCE(w.go_live_date, CASE WHEN ph.status <> 'complete' "
    "AND w.start_date <= ph.planned_end THEN ph.planned_end END) AS go_live "
    "FROM roster_wave w LEFT JOIN engagements_phase ph "
    "ON ph.engagement_id = w.engagement_id AND ph.kind = 'controlled_go_live' "
    "WHERE EXISTS (SELECT 1 FROM roster_person r WHERE r.wave_id = w.id "
    f"AND r.status IN ({quoted(Person.ON_ROSTER)}) AND {not_ready_sql('r')})) w WHERE 1 = 1"
)


def wave_not_ready(window: Window) -> DueQuery:
    query = due_soon(rows=WAVES_GOING_LIVE, alias="w", due="w.go_live", to=LEADS, window=window)
    return dataclasses.replace(query, routes=(TENANT_PMO, PMO_SEATS, LEADS))


def go_live_of(wave: Wave):
    """The wave's go-live date as the reminder reads it (None: no date to remind before)."""
    if wave.go_live_date is not None:
        return wave.go_live_date
    phase = wave.engagement.phases.filter(kind="controlled_go_live").first()
    if phase is None or phase.status == "complete" or wave.start_date > phase.planned_end:
        return None
    return phase.planned_end


def describe_wave(row: LedgerRow, policy: Callable[[], ReminderSettings]) -> Described:
    wave = Wave.objects.select_related("engagement").filter(pk=row.object_id).first()
    if wave is None:
        return Described(skip="the wave was deleted")
    engagement = wave.engagement
    if quiet := quiet_reason(engagement):
        return Described(skip=quiet)
    if not is_pmo_or_lead(user=row.recipient, engagement=engagement):
        return Described(skip="the recipient is no longer PMO or a lead here")
    go_live = go_live_of(wave)
    if go_live is None or (go_live - row.occasion_date).days not in policy().lead_days:
        return Described(skip="the wave's go-live date moved")
    people = Person.objects.filter(wave=wave, status__in=Person.ON_ROSTER).order_by("name", "id")
    rows = readiness_of(people, engagement=engagement)
    short = [entry.person.name for entry in rows if not entry.ready]
    if not short:
        return Described(skip="everybody on the wave is ready")
    when = due_phrase(due_on=go_live, today=row.occasion_date, event=True)
    return Described(
        title=f"{wave.label} goes live {when} with {len(short)} of {len(rows)} not ready",
        body=(
            f"{wave.label} of {engagement.name} goes live on {go_live:%A %d %B %Y}. "
            f"Not ready yet: {_names(short, len(short))}."
        ),
        link=roster_path(engagement),
        engagement_link=engagement_path(engagement),
        facts=[
            ("Wave", wave.label),
            ("Go-live", go_live.isoformat()),
            ("Ready", f"{len(rows) - len(short)} of {len(rows)}"),
        ],
    )


for kind, query, describe in (
    (ACCESS_WAITING, access_waiting, describe_access),
    (START_NOT_READY, start_not_ready, describe_start),
    (WAVE_NOT_READY, wave_not_ready, describe_wave),
):
    registry.occasions.register(kind, Occasion(kind=kind, query=query, describe=describe))
