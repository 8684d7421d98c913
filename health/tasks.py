import logging
import os

from celery import shared_task
from celery.signals import worker_ready

from health import services


@shared_task(name="health.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Runs every minute from beat; proves broker, worker and database work together."""
    heartbeat = services.record_heartbeat(name="worker")
    return heartbeat.last_run_at.isoformat()


@shared_task(name="health.tasks.probe", ignore_result=True)
def probe(*, path: str, token: str) -> None:
    """A trivial task for broker checks (bench/broker_throughput.py, the stress test): it
    appends its token to ``path``, so that a count of lines shows what was lost or repeated."""
    # One write of one short line with O_APPEND: lines from several processes never mix.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, f"{token}\n".encode())
    finally:
        os.close(descriptor)


@worker_ready.connect
def record_heartbeat_on_start(**kwargs) -> None:
    """A worker that (re)starts says so at once, not a minute later."""
    try:
        services.record_heartbeat(name="worker")
    except Exception:
        logging.getLogger("health").exception("Could not record the worker's heartbeat")
