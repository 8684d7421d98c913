from celery import shared_task

from health import services


@shared_task(name="health.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Runs every minute from beat; proves broker, worker and database work together."""
    heartbeat = services.record_heartbeat(name="worker")
    return heartbeat.last_run_at.isoformat()
