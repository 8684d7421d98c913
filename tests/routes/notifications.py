import datetime

from kernel.tenancy import tenant_context
from notifications import delivery, services
from notifications.models import Notification
from notifications.scan import run_scan
from tests.routes import populates, route


@route("notifications:mark-read", method="post")
def mark_notification_read(world):
    notification = Notification.objects.order_by("pk").first()
    return f"/notifications/{notification.public_id}/read/"


@populates
def remind_the_worlds_people(world):
    """A policy, a scan of 12 January 2026 delivered in this tenant, and one digest."""
    services.update_reminder_policy(
        actor=world.admin,
        tenant=world.tenant,
        lead_days=[3, 1],
        escalate_after_days=3,
        action_overdue_days=7,
    )
    services.update_preferences(
        actor=world.client_lead, daily_digest=True, email_off=[], time_zone=""
    )

    def deliver_here(batch):
        if batch.tenant_id == world.tenant.pk:
            with tenant_context(batch.tenant_id):
                delivery.deliver_reminders(reminder_ids=batch.reminder_ids)

    with tenant_context(None):
        run_scan(now=datetime.datetime(2026, 1, 12, 8, tzinfo=datetime.UTC), dispatch=deliver_here)
