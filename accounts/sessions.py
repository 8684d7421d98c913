"""Signed-in sessions: django-allauth's usersessions keeps a row per session (address, browser,
last seen); a person lists theirs and ends any, and leaving a tenant ends those working in it."""

from __future__ import annotations

import time
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings

from accounts.middleware import ActiveTenantMiddleware
from accounts.models import Membership, User
from accounts.signals import session_ended
from kernel.errors import NotFound

SEEN_KEY = "_session_seen_at"


def signed_in_sessions(*, user: User) -> list[UserSession]:
    """The person's sessions still signed in, the most recently seen first (rows of sessions
    that expired or signed out are dropped on the way)."""
    live = UserSession.objects.purge_and_list(user)
    return sorted(live, key=lambda session: session.last_seen_at, reverse=True)


def end_session(*, actor: User, session_id: int | str) -> UserSession:
    """End one of the actor's own sessions: its next request is signed out. Another person's
    session is not found."""
    session = UserSession.objects.filter(user=actor, pk=session_id).first()
    if session is None:
        raise NotFound("No such session.")
    session.end()
    session_ended.send(sender=UserSession, user=actor, session=session, by=actor, tenant_id=None)
    return session


def _session_tenant(session: UserSession) -> int | None:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
    return store.get(ActiveTenantMiddleware.SESSION_KEY)


def end_sessions_in_tenant(*, user: User, tenant_id: int, by: User | None = None) -> int:
    """End the person's sessions that work in the tenant (or had not chosen one yet), and all
    of them once they belong to no tenant (``by`` removed them); how many ended."""
    belongs_elsewhere = Membership.objects.filter(user=user).exclude(tenant_id=tenant_id).exists()
    ended = 0
    for session in UserSession.objects.filter(user=user):
        if not belongs_elsewhere or _session_tenant(session) in {tenant_id, None}:
            session.end()
            session_ended.send(
                sender=UserSession, user=user, session=session, by=by, tenant_id=tenant_id
            )
            ended += 1
    return ended


def note_session_seen(request) -> None:
    """Keep the session's row (address, browser, last seen) current, writing at most once per
    SESSION_SEEN_RESOLUTION seconds: a busy page does not write on every request."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated or not session.session_key:
        return
    now = time.time()
    if now - session.get(SEEN_KEY, 0) < settings.SESSION_SEEN_RESOLUTION:
        return
    UserSession.objects.create_from_request(request, user=user, session=session)
    session[SEEN_KEY] = now


def seen_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in writes the session's row (allauth.usersessions): the next write is due
    SESSION_SEEN_RESOLUTION later, not on the first page."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN_KEY] = time.time()


class SessionSeenMiddleware:
    """Note where and when each signed-in session was last seen (after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        note_session_seen(request)
        return self.get_response(request)


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """A person's words for a browser's User-Agent: "Firefox on Windows"."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:60] if user_agent else "Unknown device")
