from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """The top layer: files and feeds built from every app below (nothing imports it). The
    exports on offer are the domains' (``kernel.registry.exportables``)."""

    name = "exports"
    verbose_name = "Exports and calendar feeds"
