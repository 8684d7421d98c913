from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Reminders to named people: the scan, the ledger, e-mail and the in-app centre."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_save

        from notifications import signals

        for label in signals.WATCHED:
            post_save.connect(
                signals.on_save, sender=apps.get_model(label), dispatch_uid=f"scan-{label}"
            )
