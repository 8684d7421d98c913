"""Beat refreshes the slip episodes of every tenant's running engagements, a task per tenant."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Tenant
from engagements.models import Engagement
from engagements.reminders import QUIET_STATUSES
from forecast.models import SlipEpisode
from forecast.services import refresh_slip_episodes
from kernel.background import TenantTask

BATCH = 200  # engagements forecast together (three queries each batch)


@shared_task(name="forecast.tasks.refresh_forecasts_everywhere")
def refresh_forecasts_everywhere() -> int:
    """From beat: a refresh per tenant. Returns the number of tenants queued."""
    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        refresh_forecasts_in_tenant.apply_async(kwargs={"tenant_id": tenant_id})
    return len(tenant_ids)


@shared_task(base=TenantTask, name="forecast.tasks.refresh_forecasts_in_tenant")
def refresh_forecasts_in_tenant() -> int:
    """Every engagement of the task's tenant that is running or has an open episode; returns
    the episodes opened."""
    engagements = Engagement.objects.exclude(status__in=QUIET_STATUSES) | Engagement.objects.filter(
        pk__in=SlipEpisode.objects.filter(ended_on=None).values("engagement_id")
    )
    ordered = list(engagements.distinct().order_by("pk"))
    opened = 0
    for start in range(0, len(ordered), BATCH):
        opened += len(refresh_slip_episodes(engagements=ordered[start : start + BATCH]))
    return opened
