"""The clock of reminders: where it is past 08:00 now, and which day it is there.

An occasion falls on a person's local date and is due from 08:00 there to midnight; the zones
are every tenant's and those people chose themselves.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from accounts.models import known_time_zones
from kernel.occasions import Zone


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
