import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from health.models import WorkerHeartbeat

# What writes each heartbeat: beat's scheduler as it ticks, and the worker when it runs the
# heartbeat task that beat sends through the broker every HEARTBEAT_SECONDS.
PROCESSES = ("worker", "beat")


@dataclass(frozen=True)
class Heartbeat:
    name: str
    last_seen: datetime.datetime | None
    age_seconds: int | None
    stale: bool


def heartbeats(*, now: datetime.datetime | None = None) -> dict[str, Heartbeat]:
    """The worker's and beat's last heartbeats and their ages; stale after
    HEARTBEAT_STALE_SECONDS, or never seen (one query)."""
    now = now or timezone.now()
    seen = dict(
        WorkerHeartbeat.objects.filter(name__in=PROCESSES).values_list("name", "last_run_at")
    )
    result = {}
    for name in PROCESSES:
        last = seen.get(name)
        age = None if last is None else max(int((now - last).total_seconds()), 0)
        stale = age is None or age > settings.HEARTBEAT_STALE_SECONDS
        result[name] = Heartbeat(name=name, last_seen=last, age_seconds=age, stale=stale)
    return result
