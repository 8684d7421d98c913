from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # The OpenAPI description of the bearer token scheme (drf-spectacular extension).
        from api.rest import schema  # noqa: F401
