from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Reminders to named people: the scan, the ledger, e-mail and the in-app centre."""

    name = "notifications"
    verbose_name = "Notifications"
