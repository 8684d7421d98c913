from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from notifications.models import Digest, Notification, Reminder, ReminderPolicy


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyDomainAdmin):
    list_display = ("kind", "recipient", "occasion_date", "status", "channel", "attempts")
    list_filter = ("status", "kind", "channel")
    search_fields = ("recipient__username",)
    list_select_related = ("recipient",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyDomainAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient",)


@admin.register(Digest)
class DigestAdmin(ReadOnlyDomainAdmin):
    list_display = ("recipient", "local_date", "status", "attempts", "sent_at")
    list_filter = ("status",)
    list_select_related = ("recipient",)


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "__str__",
        "escalate_after_days",
        "action_overdue_days",
        "access_approval_days",
        "updated_at",
    )
