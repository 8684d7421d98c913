from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from bpo_transition.celery import make_embedded_broker_folders

        make_embedded_broker_folders()
