from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from kernel.broker import make_embedded_broker_folders

        make_embedded_broker_folders()
