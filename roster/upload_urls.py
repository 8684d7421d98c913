"""The roster's uploads (people, results), included by ``roster.urls`` under ``upload/``."""

urlpatterns: list = []
