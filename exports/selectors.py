"""Reads for exports and calendar feeds: the engagements to export and the calendar links.

The rows themselves come from the registries: each export's from ``kernel.registry.exportables``,
each calendar event's from ``kernel.registry.calendar_events``."""

from __future__ import annotations

import hashlib
import uuid

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import membership_in
from engagements.models import Engagement
from engagements.selectors import get_engagement, visible_engagements
from exports.models import CalendarFeed
from kernel.errors import NotFound


def engagement_to_export(*, actor: User, public_id: uuid.UUID | str) -> Engagement:
    """The engagement named in the URL, if the actor may see it; otherwise NotFound (404)."""
    return get_engagement(actor=actor, public_id=public_id)


def engagements_to_export(*, actor: User) -> QuerySet[Engagement]:
    return visible_engagements(actor=actor).order_by("name", "id")


# --- Calendar feeds ----------------------------------------------------------------------------


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    """The person's calendar link in the active tenant, if they made one."""
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_for_token(*, token: str) -> CalendarFeed:
    """The feed a secret link names, whatever tenant is active (the token is the credential).

    A token that names nothing, or the feed of a person who has left its tenant (or whose
    account is disabled), is NotFound: the link answers 404 like any unknown one.
    """
    feed = (
        CalendarFeed._base_manager.filter(token_hash=hash_feed_token(token or ""))
        .select_related("user", "tenant")
        .first()
    )
    membership = (
        membership_in(user=feed.user, tenant_id=feed.tenant_id) if feed is not None else None
    )
    # A link made before the person's current membership began is from an earlier stay in
    # the tenant: leaving ended it for good, rejoining does not bring it back.
    if membership is None or not feed.user.is_active or membership.created_at > feed.created_at:
        raise NotFound("No such calendar.")
    return feed
