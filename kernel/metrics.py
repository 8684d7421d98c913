"""Counters every process adds to and the web's ``/metrics`` reads: kept in the shared cache.

A reminder is sent by a worker, a scan runs in another, and Prometheus scrapes one web process
of many: a counter in each process's memory would show whichever process answered. These are
kept in the default cache instead, which is Redis whenever REDIS_URL is set (every web
process, worker and beat, on every host, adds to the same count; Redis's INCR is atomic).
Without Redis (the embedded single-box setup) each process counts its own.

Request latency by view is django-prometheus's (per process, or across a gunicorn's workers
through PROMETHEUS_MULTIPROC_DIR); these are what happens in the background.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

log = logging.getLogger("kernel.metrics")

PREFIX = "metrics:"
# name -> help; each is a counter (a total since the cache was last emptied).
COUNTERS = {
    "reminders_sent": "Reminders sent (e-mail or digest) by the workers.",
    "reminders_failed": "Reminder sends that failed (each is retried).",
    "webhook_delivery_failures": "Webhook delivery attempts that failed (retried or given up).",
    "webhook_deliveries_succeeded": "Webhook deliveries the receiver accepted.",
    "reminder_scans": "Reminder scans run.",
    "reminder_scan_milliseconds": "Total time spent in reminder scans, in milliseconds.",
}
LAST_SCAN_KEY = PREFIX + "reminder_scan_last_milliseconds"


def count(name: str, amount: int = 1) -> None:
    """Adds ``amount`` to the counter ``name``; never raises (metrics must not break work)."""
    if name not in COUNTERS:
        raise KeyError(f"Unknown counter {name!r}")
    if amount <= 0:
        return
    key = PREFIX + name
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)
    except Exception:
        log.warning("Could not count %s", name, exc_info=True)


def record_scan(milliseconds: int) -> None:
    count("reminder_scans")
    count("reminder_scan_milliseconds", max(int(milliseconds), 1))
    try:
        cache.set(LAST_SCAN_KEY, int(milliseconds), timeout=None)
    except Exception:
        log.warning("Could not record the scan's duration", exc_info=True)


def read() -> dict[str, int]:
    """Every counter's value (0 when never counted), and the last scan's duration."""
    keys = [PREFIX + name for name in COUNTERS] + [LAST_SCAN_KEY]
    found = cache.get_many(keys)
    values = {name: int(found.get(PREFIX + name) or 0) for name in COUNTERS}
    values["reminder_scan_last_milliseconds"] = int(found.get(LAST_SCAN_KEY) or 0)
    return values
