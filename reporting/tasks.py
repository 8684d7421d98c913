"""Daily drift detection: beat fans out one task per tenant, each runs inside its tenant."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Tenant
from bpo_transition.background import TenantTask
from engagements.models import Engagement
from reporting.models import Kpi
from reporting.services import detect_drift


@shared_task(name="reporting.tasks.detect_drift_everywhere")
def detect_drift_everywhere() -> int:
    """From beat, once a day: a drift check per tenant. Weeks end at midnight on Sunday in
    each engagement's time zone, so a daily run opens an alert within a day of the week
    that shows it. Returns the number of tenants queued."""
    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        detect_drift_in_tenant.apply_async(kwargs={"tenant_id": tenant_id})
    return len(tenant_ids)


@shared_task(base=TenantTask, name="reporting.tasks.detect_drift_in_tenant")
def detect_drift_in_tenant() -> int:
    """Every running engagement of the task's tenant that has KPIs; returns alerts opened."""
    engagements = Engagement.objects.filter(
        pk__in=Kpi.objects.values("engagement_id"),
    ).exclude(status=Engagement.Status.CLOSED)
    opened = 0
    for engagement in engagements.order_by("pk"):
        opened += len(detect_drift(engagement=engagement))
    return opened
