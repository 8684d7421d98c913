"""The occasions a reminder is sent for, read from the domains that own them.

Each domain declares its occasions in ``<app>/contributions/occasions.py`` (the registry
``kernel.registry.occasions``; ``kernel.occasions`` says what one is): which of its rows are
due, for whom, and what to say. Here each occasion's query becomes one set-based SQL
statement over every tenant at once, driven by an index on the due column (see migration
0002), joined to the people it reaches and to their local date. The local dates come from
``zone``, a small table of every time zone where it is now past 08:00 (``notifications.clock``):
an occasion falls on a person's local date and is due from 08:00 there to midnight.

The same occasion is checked again in Python just before it is sent (``describe``), with the
person's seat on the engagement: whatever changed since the scan (a milestone done, a person
removed from the engagement) stops the reminder.

Beat's scan is incremental (``notifications.scan.plan_scan``): it runs an occasion again only
for zones on a new local day and for tenants with new audit events. So an occasion may depend
only on the person's local date and on data that changes through audited services (a change
that writes no event must void the scan marks, as ``notifications.signals`` does for time
zones); anything else is picked up only by the hourly full pass.
"""

# SQL here is assembled from constants and from the domains' own SQL; every value is a
# parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections.abc import Sequence

from engagements.reminders import QUIET_STATUSES
from kernel import registry
from kernel.occasions import (
    Described,
    DueQuery,
    Window,
    lead_days_of,
    placeholders,
    quoted,
    sql_date,
)
from notifications.clock import zones_in_use, zones_past_reminder_hour
from notifications.models import DEFAULT_SETTINGS, Kind, Reminder, ReminderPolicy

# The ledger's kinds, in the order the scan runs them (and so the order reminders are written).
KIND_ORDER = list(Kind.values)


def window_for(now: datetime.datetime) -> Window | None:
    zones = zones_past_reminder_hour(now, zones_in_use())
    if not zones:
        return None
    # Every tenant's lead times and longest chase, in one query over the small policy table.
    lead_days = set(lead_days_of(DEFAULT_SETTINGS["lead_days_mask"]))
    longest = {name: days for name, days in DEFAULT_SETTINGS.items() if name != "lead_days_mask"}
    policies = ReminderPolicy._base_manager.values_list("lead_days_mask", *longest).distinct()
    for mask, *days in policies:
        lead_days |= set(lead_days_of(mask))
        longest = {name: max(longest[name], day) for name, day in zip(longest, days, strict=True)}
    return Window(zones=zones, lead_days=lead_days, defaults=DEFAULT_SETTINGS, longest=longest)


def occasions(window: Window) -> list[tuple[str, DueQuery]]:
    """Every registered occasion's (kind, SQL for this window), in the ledger's kind order."""
    ordered = sorted(registry.occasions, key=lambda occasion: KIND_ORDER.index(occasion.kind))
    return [(occasion.kind, occasion.query(window)) for occasion in ordered]


def zone_table(query: DueQuery, window: Window) -> tuple[str, list]:
    """``zone(name, local_date, ...) AS (VALUES ...)``: each zone past 08:00 with the dates
    the query compares with."""
    columns = ["name", "local_date", *(name for name, _value in query.zone_dates)]
    rows, params = [], []
    for zone in window.zones:
        rows.append(f"({placeholders(columns)})")
        params += [zone.name, sql_date(zone.local_date)]
        params += [value(zone) for _name, value in query.zone_dates]
    return f"zone ({', '.join(columns)}) AS (VALUES {', '.join(rows)})", params


def statement(
    kind: str, query: DueQuery, window: Window, tenants: Sequence[int] | None = None
) -> tuple[str, list, str]:
    """(WITH clause, its params, SELECT of (tenant, kind, object, engagement, person, local
    date) rows), of every tenant or only of ``tenants``.

    Two steps, each materialised: ``due`` (the due objects, through their index, so the
    planner cannot start from the people instead), then ``reach`` (each due object with each
    person a route reaches, their tenant and the name of the zone their day runs in), and only
    then the zone by that name and the date test. Otherwise the planner joins every zone
    whose dates fit to every due object first (one row per zone per object) and drops the
    wrong zones last.
    """
    zones, zone_params = zone_table(query, window)
    o = query.alias
    only, only_params = "", []
    if tenants is not None:
        only, only_params = f" AND e.tenant_id IN ({placeholders(list(tenants))})", list(tenants)
    reach = " UNION ALL ".join(
        f"SELECT {o}.*, e.tenant_id AS scan_tenant_id, u.id AS scan_recipient_id, "
        f"COALESCE(NULLIF(u.time_zone, ''), t.time_zone) AS scan_zone "
        f"FROM due {o} "
        f"JOIN engagements_engagement e ON e.id = {o}.engagement_id "
        f"{route.joins} "
        f"JOIN accounts_tenant t ON t.id = e.tenant_id "
        f"WHERE e.status NOT IN ({quoted(QUIET_STATUSES)}) AND u.is_active AND ({route.where})"
        f"{only}"
        for route in query.routes
    )
    tests = [query.when] if query.when else []
    if query.once:
        tests.append(
            "NOT EXISTS (SELECT 1 FROM notifications_reminder x "
            f"WHERE x.kind = '{kind}' AND x.object_id = {o}.id "
            f"AND x.recipient_id = {o}.scan_recipient_id)"
        )
    with_clause = (
        f"WITH {zones}, due AS MATERIALIZED ({query.due}), reach AS MATERIALIZED ({reach})"
    )
    select = (
        f"SELECT {o}.scan_tenant_id AS tenant_id, '{kind}' AS kind, "
        f"{o}.id AS object_id, {o}.engagement_id AS engagement_id, "
        f"{o}.scan_recipient_id AS recipient_id, z.local_date AS occasion_date "
        f"FROM reach {o} JOIN zone z ON z.name = {o}.scan_zone "
        f"LEFT JOIN notifications_reminderpolicy p ON p.tenant_id = {o}.scan_tenant_id "
        f"WHERE {' AND '.join(f'({test})' for test in tests) or '1 = 1'}"
    )
    params = [*zone_params, *query.due_params, *only_params * len(query.routes)]
    return with_clause, params, select


def _policy(tenant_id: int) -> ReminderPolicy:
    return ReminderPolicy.objects.filter(tenant_id=tenant_id).first() or ReminderPolicy()


def describe(reminder: Reminder) -> Described:
    """The reminder in words, checked against the data as it is now (inside its tenant), by
    the domain that owns its occasion."""
    occasion = registry.occasions.get(reminder.kind)
    return occasion.describe(reminder, lambda: _policy(reminder.tenant_id))
