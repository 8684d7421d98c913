"""The banner for the people who can act on it (PMO staff and admins): while the worker or
beat has gone quiet, reminders and webhook deliveries are not going out."""

import zoneinfo

from django.utils import timezone

from health.selectors import heartbeats

WHO = {"worker": "the worker", "beat": "the scheduler (beat)"}


def _local_time(moment, time_zone: str) -> str:
    local = timezone.localtime(moment, timezone=zoneinfo.ZoneInfo(time_zone))
    if local.date() == timezone.localtime(timezone=zoneinfo.ZoneInfo(time_zone)).date():
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local:%d %b %Y}"


def background_problem(request) -> str:
    """The banner's sentence for this viewer, or "" (not PMO or admin, or nothing stale).
    A process never seen (a fresh installation) is not reported: only one that went quiet."""
    membership = getattr(request, "membership", None)
    tenant = getattr(request, "tenant", None)
    if membership is None or tenant is None or not membership.sees_every_engagement:
        return ""
    time_zone = request.user.time_zone_in(tenant)
    problems = []
    found = heartbeats()
    if found["beat"].stale and found["beat"].last_seen is not None:
        # Beat sends the worker's heartbeat: without beat the worker's age says nothing.
        found.pop("worker")
    for name, heartbeat in found.items():
        if heartbeat.stale and heartbeat.last_seen is not None:
            since = _local_time(heartbeat.last_seen, time_zone)
            problems.append(f"{WHO[name]} has not answered since {since}")
    if not problems:
        return ""
    return f"Reminders are not being sent: {' and '.join(problems)}."
