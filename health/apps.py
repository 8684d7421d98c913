from django.apps import AppConfig


class HealthConfig(AppConfig):
    """Is the service up: /healthz and the worker heartbeat that beat schedules."""

    name = "health"
    verbose_name = "Health"
