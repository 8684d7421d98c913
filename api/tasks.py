from celery import shared_task

from api import idempotency


@shared_task(name="api.tasks.purge_expired_idempotency_keys")
def purge_expired_idempotency_keys() -> int:
    """Hourly from beat: idempotency keys older than 24 hours are deleted."""
    return idempotency.purge_expired()
