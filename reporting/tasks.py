"""Daily drift detection: beat fans out one task per tenant, each runs inside its tenant."""

from __future__ import annotations

import logging

from celery import shared_task

from accounts.models import Tenant, User
from engagements.models import Engagement
from kernel.background import TenantTask
from kernel.errors import DomainError
from reporting.drift_alerts import detect_drift
from reporting.models import Kpi, Review
from reporting.reports import generate_review_report, report_render_failed

log = logging.getLogger(__name__)


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


@shared_task(base=TenantTask, name="reporting.tasks.render_review_report")
def render_review_report(*, review_id: int, actor_id: int) -> int | None:
    """Render and store a published review's PDF (``request_review_report`` sends this once
    per render). Returns the stored report's id, or None when it could not be made."""
    review = Review.objects.filter(pk=review_id).select_related("engagement").first()
    actor = User.objects.filter(pk=actor_id).first()
    if review is None or actor is None:
        return None
    try:
        return generate_review_report(actor=actor, review=review).pk
    except Exception as failure:  # any failure must reach the page, not leave it spinning
        log.exception("The PDF of review %s could not be rendered", review_id)
        report_render_failed(
            review=review,
            failure=failure.message
            if isinstance(failure, DomainError)
            else "The PDF could not be rendered. Try again; if it fails again, tell support.",
        )
        return None
