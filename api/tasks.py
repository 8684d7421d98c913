from celery import shared_task
from django.conf import settings

from api import idempotency
from api.webhooks import services as webhooks
from kernel.background import TenantTask
from kernel.tenancy import tenant_context


@shared_task(name="api.tasks.purge_expired_idempotency_keys")
def purge_expired_idempotency_keys() -> int:
    """Hourly from beat: idempotency keys older than 24 hours are deleted."""
    return idempotency.purge_expired()


@shared_task(name="api.tasks.collect_webhook_deliveries")
def collect_webhook_deliveries() -> int:
    """From beat: walk every active subscription through its tenant's change feed."""
    created = 0
    for tenant_id, subscription_ids in webhooks.active_subscriptions_by_tenant().items():
        with tenant_context(tenant_id):
            for subscription_id in subscription_ids:
                # Walk until caught up (bounded: a huge backlog continues next beat).
                for _batch in range(settings.WEBHOOK_WALK_BATCHES_PER_BEAT):
                    walked, batch = webhooks.collect_deliveries(subscription_id=subscription_id)
                    created += len(batch)
                    if walked < webhooks.WALK_BATCH:
                        break
    return created


@shared_task(
    base=TenantTask,
    bind=True,
    name="api.tasks.deliver_webhook",
    acks_late=True,
    max_retries=None,
)
def deliver_webhook(self, *, delivery_id: int, resend: bool = False) -> str:
    """POST one delivery; a failure is retried with exponential backoff and jitter."""
    outcome, attempts = webhooks.attempt_delivery(delivery_id=delivery_id, resend=resend)
    if outcome == "retry":
        raise self.retry(countdown=webhooks.retry_delay(attempts))
    return outcome
