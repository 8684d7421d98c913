"""Writes of the exports app: a person's secret calendar link."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Tenant, User
from audit import services as audit
from audit.services import operation
from engagements.permissions import require_member_of_tenant
from exports.models import CalendarFeed
from exports.selectors import hash_feed_token


@dataclass(frozen=True)
class NewCalendarLink:
    """What regenerating made: the feed, and the one place its token exists."""

    feed: CalendarFeed
    token: str


@operation("calendar_feed.regenerated", tenant_of="tenant")
def regenerate_calendar_feed(*, actor: User, tenant: Tenant) -> NewCalendarLink:
    """Make the person's calendar link in ``tenant``, or replace it: the old link stops
    working at once. Only the token's hash is kept; the caller shows the link once."""
    require_member_of_tenant(actor=actor, tenant_id=tenant.pk)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if feed is None:
        feed = CalendarFeed.objects.create(
            tenant=tenant, user=actor, token_hash=hash_feed_token(token), created_at=timezone.now()
        )
        audit.record_created(actor=actor, instance=feed)
    else:
        audit.change(
            actor=actor,
            instance=feed,
            note="A new calendar link replaced the old one.",
            token_hash=hash_feed_token(token),
            created_at=timezone.now(),
        )
    return NewCalendarLink(feed=feed, token=token)


def end_calendar_link(*, actor: User, user: User) -> bool:
    """The person's calendar link in the active tenant stops working (they left it): the row
    goes, with its tombstone. Called inside the caller's operation; whether there was one."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return False
    audit.record_deleted(actor=actor, instance=feed)
    feed.delete()
    return True
