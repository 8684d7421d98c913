"""The notification centre and a person's and a tenant's reminder settings.

The scan and delivery of reminders are ``notifications.scan`` and ``notifications.delivery``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant, User, known_time_zones
from audit import services as audit
from audit.services import operation
from engagements.permissions import require_tenant_admin
from kernel.errors import InvalidInput
from kernel.occasions import MAX_LEAD_DAYS, lead_days_mask
from notifications.models import Kind, Notification, Preference, ReminderPolicy


def mark_read(*, actor: User, notification: Notification) -> Notification:
    """Personal state, not business data: no audit event."""
    if notification.recipient_id != actor.pk:
        raise InvalidInput("This notification is not yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def update_preferences(
    *, actor: User, daily_digest: bool, email_off: Iterable[str], time_zone: str
) -> Preference:
    """A person's own reminder settings (and time zone; blank follows the tenant's)."""
    kinds = set(email_off)
    unknown = kinds - set(Kind.values)
    errors = {}
    if unknown:
        errors["email_off"] = [f"Unknown kinds: {', '.join(sorted(unknown))}."]
    time_zone = time_zone.strip()
    if time_zone and time_zone not in known_time_zones():
        errors["time_zone"] = [f"“{time_zone}” is not a known time zone (e.g. Europe/London)."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    preference, _created = Preference.objects.select_for_update().get_or_create(user=actor)
    preference.daily_digest = daily_digest
    preference.email_off = sorted(kinds)
    preference.save()
    if actor.time_zone != time_zone:
        actor.time_zone = time_zone
        actor.save(update_fields=["time_zone"])
    return preference


@operation("reminders.policy_changed", tenant_of="tenant")
def update_reminder_policy(
    *,
    actor: User,
    tenant: Tenant,
    lead_days: Iterable[int],
    escalate_after_days: int,
    action_overdue_days: int,
    access_approval_days: int | None = None,
) -> ReminderPolicy:
    """A tenant's lead times and escalation: its admins decide. ``access_approval_days``
    (how long a roster access request waits on the client before its leads hear): None keeps
    what the tenant has (the default for a tenant without a policy)."""
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="change reminder settings")
    days = sorted({int(day) for day in lead_days}, reverse=True)
    errors = {}
    if not days or any(not 1 <= day <= MAX_LEAD_DAYS for day in days):
        errors["lead_days"] = [f"Give one or more lead times of 1 to {MAX_LEAD_DAYS} days."]
    if not 1 <= escalate_after_days <= 60:
        errors["escalate_after_days"] = ["Escalate after 1 to 60 days."]
    if not 1 <= action_overdue_days <= 60:
        errors["action_overdue_days"] = ["Chase an overdue action for 1 to 60 days."]
    if access_approval_days is not None and not 1 <= access_approval_days <= 60:
        errors["access_approval_days"] = ["Remind the client about access after 1 to 60 days."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    values = {
        "lead_days_mask": lead_days_mask(days),
        "escalate_after_days": escalate_after_days,
        "action_overdue_days": action_overdue_days,
    }
    if access_approval_days is not None:
        values["access_approval_days"] = access_approval_days
    policy = ReminderPolicy.objects.select_for_update().filter(tenant=tenant).first()
    if policy is None:
        policy = ReminderPolicy.objects.create(tenant=tenant, **values)
        audit.record_created(actor=actor, instance=policy)
        return policy
    audit.change(actor=actor, instance=policy, **values)
    return policy
