from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One search over every registered search document: the page, its API and the
    full-text indexes that keep it fast on PostgreSQL."""

    name = "search"
    verbose_name = "Search"
