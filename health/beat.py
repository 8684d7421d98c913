"""Beat's own heartbeat: the scheduler records it as it ticks, without the broker or a worker,
so that a stopped beat is told apart from a stopped worker.

And one beat at a time: with Redis (REDIS_URL), every beat started (one per host, or a
second by mistake) tries for a lock in Redis; the one holding it sends the schedule and
renews the lock as it ticks, the others stand by and take over within BEAT_LOCK_SECONDS of
the leader stopping. Without Redis (the embedded broker: one box, one beat) there is no lock.
The lock is a convenience, not what keeps work single: the reminder ledger is exactly-once
by itself (a unique row per occasion, claims that move a lease, a send under a row lock that
skips locked rows) and webhook collection takes the subscription's row lock and a unique
delivery per event, so a second beat would only do every scan twice.
"""

import contextlib
import logging
import os
import socket
import time

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import close_old_connections

from health import services

log = logging.getLogger("health.beat")
LOCK_NAME = "bpo:beat:leader"


class _Leadership:
    """A Redis lock held while this beat leads; None outside Redis."""

    def __init__(self, url: str, seconds: float) -> None:
        import redis

        self.seconds = seconds
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.lock = self.client.lock(LOCK_NAME, timeout=seconds, blocking=False)
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.leading = False

    def check(self) -> bool:
        """Renew the lock when holding it, try for it otherwise; whether this beat leads."""
        import redis

        try:
            if self.leading:
                self.lock.extend(self.seconds, replace_ttl=True)
            elif self.lock.acquire(blocking=False):
                self.leading = True
                log.info("beat %s leads (lock %s)", self.me, LOCK_NAME)
        except redis.exceptions.LockError:
            log.warning("beat %s lost the lead", self.me)
            self.leading = False
        except redis.RedisError:
            # Redis down is the broker down too: nothing can be sent; keep the role.
            log.warning("beat %s could not reach Redis for its lock", self.me, exc_info=True)
        return self.leading

    def release(self) -> None:
        """On a clean stop: hand the lead over at once rather than when the lock runs out."""
        import redis

        if self.leading:
            self.leading = False
            # Expired or unreachable: the lock runs out by itself.
            with contextlib.suppress(redis.RedisError):
                self.lock.release()


class HeartbeatScheduler(PersistentScheduler):
    """``CELERY_BEAT_SCHEDULER``: the default scheduler, recording "beat" every
    HEARTBEAT_SECONDS, and waking at least that often to do so."""

    _recorded_at = float("-inf")
    _leadership: _Leadership | None = None

    def _leads(self) -> bool:
        if not settings.REDIS_URL or not settings.BEAT_LOCK_SECONDS:
            return True
        if self._leadership is None:
            self._leadership = _Leadership(settings.REDIS_URL, settings.BEAT_LOCK_SECONDS)
        return self._leadership.check()

    def close(self):
        if self._leadership is not None:
            self._leadership.release()
        super().close()

    def tick(self, *args, **kwargs):
        if not self._leads():
            # Standing by: look again soon, well inside the leader's lock.
            return settings.BEAT_LOCK_SECONDS / 3
        interval = super().tick(*args, **kwargs)
        if settings.REDIS_URL and settings.BEAT_LOCK_SECONDS:
            interval = min(interval, settings.BEAT_LOCK_SECONDS / 3)
        now = time.monotonic()
        if now - self._recorded_at >= settings.HEARTBEAT_SECONDS:
            self._recorded_at = now
            try:
                close_old_connections()
                services.record_heartbeat(name="beat")
            except Exception:
                log.exception("Could not record beat's heartbeat")
        return min(interval, settings.HEARTBEAT_SECONDS)
