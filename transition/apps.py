from django.apps import AppConfig


class TransitionConfig(AppConfig):
    """The layer above the apps: work that spans engagements, milestones, gates and reviews."""

    name = "transition"
    verbose_name = "Transition orchestration"
