"""Beat's own heartbeat: the scheduler records it as it ticks, without the broker or a worker,
so that a stopped beat is told apart from a stopped worker."""

import logging
import time

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import close_old_connections

from health import services

log = logging.getLogger("health.beat")


class HeartbeatScheduler(PersistentScheduler):
    """``CELERY_BEAT_SCHEDULER``: the default scheduler, recording "beat" every
    HEARTBEAT_SECONDS, and waking at least that often to do so."""

    _recorded_at = float("-inf")

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._recorded_at >= settings.HEARTBEAT_SECONDS:
            self._recorded_at = now
            try:
                close_old_connections()
                services.record_heartbeat(name="beat")
            except Exception:
                log.exception("Could not record beat's heartbeat")
        return min(interval, settings.HEARTBEAT_SECONDS)
