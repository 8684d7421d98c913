from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """The top layer: files and feeds built from every app below (nothing imports it)."""

    name = "exports"
    verbose_name = "Exports and calendar feeds"

    def ready(self) -> None:
        from exports import exportables  # noqa: F401  (registers the exports on offer)
