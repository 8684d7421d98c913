"""What accounts tells the layers above it (the audit trail listens: ``audit.account_events``)."""

from django.dispatch import Signal

# A signed-in session was ended, by its person from the sessions page or because they left a
# tenant. Arguments: ``user`` (whose session), ``session`` (the allauth UserSession), ``by``
# (who ended it), ``tenant_id`` (the tenant they left; None when they ended it themselves).
session_ended = Signal()

_ENDED_HERE = "_session_end_announced"


def announce_own_session_end(request) -> None:
    """The request ending its own session sent ``session_ended`` already: the sign-out that
    follows is the same end, not another (the audit trail records it once)."""
    setattr(request, _ENDED_HERE, True)


def own_session_end_announced(request) -> bool:
    return getattr(request, _ENDED_HERE, False)
