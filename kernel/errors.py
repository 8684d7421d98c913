"""Domain errors: raised by services, mapped once each by views, the API and commands."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; ``message`` is shown to the person who asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """No such object for this actor: missing, another tenant's, or another engagement's."""


class NotAllowed(DomainError):
    """The object is visible but the actor may not do this."""


class RuleBroken(DomainError):
    """A business rule says no."""


class InvalidInput(DomainError):
    """The input is malformed; ``errors`` maps each bad field to its messages."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class ItemsOpen(RuleBroken):
    """A rule refused because of open items; ``items`` lists exactly what is still open, and
    ``headline`` is the sentence without them (for pages that list them one per line)."""

    def __init__(self, message: str, *, items: list[str]) -> None:
        super().__init__(f"{message}: {'; '.join(items)}" if items else message)
        self.headline = message
        self.items = items


class StaleVersion(DomainError):
    """The caller edited an older version than the one stored (a lost update is refused)."""


def found(queryset, message: str, **lookup):
    """The one row ``lookup`` names in ``queryset``, or NotFound (never DoesNotExist)."""
    row = queryset.filter(**lookup).first()
    if row is None:
        raise NotFound(message)
    return row
