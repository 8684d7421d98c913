from django.apps import AppConfig


class BaselinesConfig(AppConfig):
    name = "baselines"
    verbose_name = "Baselines"

    def ready(self) -> None:
        # The transition's start and every gate approval save a baseline: engagements and
        # governance send ``plan_checkpoint`` and never import this app.
        from baselines import receivers  # noqa: F401
