"""Subscriptions, walking the change feed into deliveries, and sending one delivery.

Deliveries are created by a beat task that walks each active subscription's cursor through
the change feed (``api.feed``), not by a hook in the services that write events: the feed's
positions are already handed out in commit order, so the walk never misses an event whatever
wrote it (bulk paths and management commands included), nothing below ``api`` needs to know
about webhooks, and a worker outage only delays deliveries. The cost is up to one beat period
of latency. One delivery per (subscription, event) is guaranteed by a unique constraint.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import secrets
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from api import feed
from api.models import WebhookDelivery, WebhookSubscription
from audit import services as audit
from audit.models import Event
from audit.services import operation
from engagements.permissions import require_tenant_admin
from kernel import metrics, registry
from kernel.background import enqueue_on_commit
from kernel.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

BUILT_IN_EVENT_TYPES = (
    "milestone.created",
    "milestone.updated",
    "milestone.deleted",
    "gate.requested",
    "gate.approved",
    "gate.rejected",
    "review.published",
)
# Operations that are webhook events of their own, on the row they name.
_OPERATION_EVENTS = {"gate.requested", "gate.approved", "gate.rejected", "review.published"}
SIGNATURE_HEADER = "X-BPO-Signature"
WALK_BATCH = 500
SEND_TIMEOUT_SECONDS = 10
# The worker's entry point (``api.tasks``) calls this module; it is asked for by name.
DELIVER_TASK = "api.tasks.deliver_webhook"


def event_types() -> tuple[str, ...]:
    """Every event type a subscription may ask for: the built-in ones, then those the domains'
    feed types offer (``kernel.api.FeedType.webhook_actions``), in registration order."""
    return BUILT_IN_EVENT_TYPES + tuple(
        f"{feed_type.object_type}.{action}"
        for feed_type in registry.feed_types
        for action in feed_type.webhook_actions
    )


def event_type_of(event: feed.FeedEvent) -> str | None:
    """The webhook event type an event log row is, or None."""
    if event.object_type == "milestone":
        return f"milestone.{event.action}"
    offered = registry.feed_types.items().get(event.object_type)
    if offered is not None and event.action in offered.webhook_actions:
        return f"{event.object_type}.{event.action}"
    if event.operation in _OPERATION_EVENTS and event.object_type == event.operation.split(".")[0]:
        return event.operation
    return None


# --- Signing ----------------------------------------------------------------------------------


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: the receiver checks both parts."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- Where deliveries may go (SSRF) --------------------------------------------------------


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a non-public address.

    Every address the host resolves to is checked: private, loopback, link-local, shared,
    reserved and multicast ranges are refused, unless WEBHOOKS_ALLOW_PRIVATE_URLS (tests and
    local development).
    """

    def refuse(message: str) -> None:
        raise InvalidInput(message, errors={"url": [message]})

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        refuse("Use an http:// or https:// URL with a host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        refuse("The port is not a number from 1 to 65535.")
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        refuse(f"The host “{parts.hostname}” does not resolve.")
    for *_family, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            refuse(
                f"The host “{parts.hostname}” resolves to {address}, a private, loopback or "
                "link-local address: webhooks go to public addresses only."
            )


def _clean_event_types(chosen: Any) -> list[str]:
    if not isinstance(chosen, list | tuple) or not chosen:
        message = "Choose at least one event type."
        raise InvalidInput(message, errors={"event_types": [message]})
    known = event_types()
    unknown = sorted({str(name) for name in chosen} - set(known))
    if unknown:
        message = f"Unknown event types: {', '.join(unknown)}."
        raise InvalidInput(message, errors={"event_types": [message]})
    return [name for name in known if name in set(chosen)]


# --- Managing subscriptions (tenant admins) ------------------------------------------------


def _last_position(tenant: Tenant) -> int:
    last = Event.objects.filter(position__isnull=False).order_by("-position").first()
    return last.position if last is not None else 0


@operation("webhook.created", tenant_of="tenant")
def create_subscription(
    *, actor: User, tenant: Tenant, url: str, event_types: list[str]
) -> tuple[WebhookSubscription, str]:
    """A new subscription, receiving events from now on; its secret is returned only here."""
    require_tenant_admin(actor=actor, tenant_id=tenant.pk, doing="manage webhooks")
    check_url(url)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription.objects.create(
        tenant=tenant,
        url=url,
        event_types=_clean_event_types(event_types),
        secret=secret,
        created_by=actor,
        last_position=_last_position(tenant),
    )
    audit.record_created(actor=actor, instance=subscription)
    return subscription, secret


@operation("webhook.updated", tenant_of="subscription")
def update_subscription(
    *, actor: User, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change the URL, the event types or the active flag; re-enabling resets failures."""
    require_tenant_admin(actor=actor, tenant_id=subscription.tenant_id, doing="manage webhooks")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = audit.snapshot(subscription)
    if "url" in changes:
        check_url(changes["url"])
        subscription.url = changes["url"]
    if "event_types" in changes:
        subscription.event_types = _clean_event_types(changes["event_types"])
    if "active" in changes:
        if changes["active"] and not subscription.active:
            subscription.consecutive_failures = 0
            subscription.disabled_reason = ""
        subscription.active = bool(changes["active"])
    subscription.save()
    audit.record_updated(actor=actor, instance=subscription, before=before)
    return subscription


@operation("webhook.deleted", tenant_of="subscription")
def delete_subscription(*, actor: User, subscription: WebhookSubscription) -> None:
    require_tenant_admin(actor=actor, tenant_id=subscription.tenant_id, doing="manage webhooks")
    audit.record_deleted(actor=actor, instance=subscription)
    subscription.delete()


def resend_delivery(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery once more, now (its attempts go on counting)."""
    require_tenant_admin(actor=actor, tenant_id=delivery.tenant_id, doing="manage webhooks")
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.PENDING)
        enqueue_on_commit(
            DELIVER_TASK, tenant_id=delivery.tenant_id, delivery_id=delivery.pk, resend=True
        )
    delivery.refresh_from_db()
    return delivery


# --- Walking the feed into deliveries ------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


@transaction.atomic
def collect_deliveries(*, subscription_id: int, limit: int = WALK_BATCH) -> tuple[int, list[int]]:
    """Walk one subscription's cursor through the feed: events walked, deliveries created.

    Runs in the subscription's tenant, so the feed it reads is that tenant's only. The row
    lock serialises walkers of one subscription; the unique constraint makes a delivery per
    (subscription, event) exactly once even so.
    """
    subscription = (
        WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    )
    if subscription is None or not subscription.active:
        return 0, []
    events = feed.events_after(
        actor=None,
        tenant_id=subscription.tenant_id,
        position=subscription.last_position,
        limit=limit,
    )
    wanted = [
        (event, kind)
        for event in events
        if (kind := event_type_of(event)) in subscription.event_types
    ]
    entries = feed.entries_for(actor=None, events=[event for event, _kind in wanted])
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                tenant_id=subscription.tenant_id,
                subscription=subscription,
                event_id=event.pk,
                event_type=kind,
                payload={"event": kind, "change": entry},
            )
            for (event, kind), entry in zip(wanted, entries, strict=True)
        ],
        ignore_conflicts=True,
    )
    if events:
        subscription.last_position = events[-1].position
        subscription.save(update_fields=["last_position"])
    created = list(
        WebhookDelivery.objects.filter(
            subscription=subscription, event__in=[event.pk for event, _kind in wanted], attempts=0
        ).values_list("pk", flat=True)
    )
    for delivery_id in created:
        enqueue_on_commit(DELIVER_TASK, tenant_id=subscription.tenant_id, delivery_id=delivery_id)
    return len(events), created


def active_subscriptions_by_tenant() -> dict[int, list[int]]:
    """Every tenant's active subscriptions (the one read across tenants: the beat's)."""
    by_tenant: dict[int, list[int]] = {}
    for tenant_id, pk in WebhookSubscription.every_tenant.filter(active=True).values_list(
        "tenant_id", "pk"
    ):
        by_tenant.setdefault(tenant_id, []).append(pk)
    return by_tenant


# --- Sending one delivery -----------------------------------------------------------------


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 10 s, 20 s, 40 s ... capped at an hour."""
    ceiling = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempt - 1), 3600)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not a secret)


def attempt_delivery(*, delivery_id: int, resend: bool = False) -> tuple[str, int]:
    """POST one delivery once: ``succeeded``, ``retry`` or ``failed``, and its attempts so far.

    The last of WEBHOOK_MAX_ATTEMPTS attempts (or a manual re-send, tried once) that fails
    marks it ``failed``.
    No transaction is held while the receiver answers; the outcome is recorded after.
    """
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("No such delivery.")
    subscription = delivery.subscription
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return "succeeded", delivery.attempts
    if not subscription.active:
        _record(delivery, code=None, duration_ms=None, error="The subscription is disabled.")
        return "failed", delivery.attempts + 1
    final = resend or delivery.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "BPO-Transition-Webhooks/1",
        "X-BPO-Event": delivery.event_type,
        "X-BPO-Delivery": str(delivery.public_id),
        SIGNATURE_HEADER: signature(
            secret=subscription.secret, timestamp=int(time.time()), body=body
        ),
    }
    code, error = None, ""
    started = time.monotonic()
    try:
        # Checked again at send time: the name may resolve elsewhere now.
        check_url(subscription.url)
        response = requests.post(
            subscription.url,
            data=body,
            headers=headers,
            timeout=SEND_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        code = response.status_code
        if not 200 <= code < 300:
            error = f"The receiver answered {code}."
    except InvalidInput as refused:
        error = refused.message[:300]
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:300]
    duration_ms = int((time.monotonic() - started) * 1000)
    outcome = _record(delivery, code=code, duration_ms=duration_ms, error=error, final=final)
    metrics.count(
        "webhook_deliveries_succeeded" if outcome == "succeeded" else "webhook_delivery_failures"
    )
    return outcome, delivery.attempts + 1


@transaction.atomic
def _record(
    delivery: WebhookDelivery,
    *,
    code: int | None,
    duration_ms: int | None,
    error: str,
    final: bool = True,
) -> str:
    now = timezone.now()
    succeeded = not error
    status = WebhookDelivery.Status.SUCCEEDED if succeeded else WebhookDelivery.Status.FAILED
    if not succeeded and not final:
        status = WebhookDelivery.Status.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        response_code=code,
        duration_ms=duration_ms,
        error=error,
        last_attempt_at=now,
        status=status,
        delivered_at=now if succeeded else None,
    )
    subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    if succeeded:
        if subscription.consecutive_failures:
            subscription.consecutive_failures = 0
            subscription.save(update_fields=["consecutive_failures"])
        return "succeeded"
    if subscription.active and error != "The subscription is disabled.":
        subscription.consecutive_failures += 1
        fields = ["consecutive_failures"]
        if subscription.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
            subscription.active = False
            subscription.disabled_reason = (
                f"Disabled after {subscription.consecutive_failures} failed attempts in a row; "
                f"last: {error}"
            )[:300]
            fields += ["active", "disabled_reason"]
            transaction.on_commit(lambda: _tell_admins_disabled(subscription))
        subscription.save(update_fields=fields)
    return "retry" if status == WebhookDelivery.Status.PENDING else "failed"


def _tell_admins_disabled(subscription: WebhookSubscription) -> None:
    """E-mail the tenant's admins (the notification centre only holds reminders)."""
    admins = [
        email
        for email in Membership.objects.filter(
            tenant_id=subscription.tenant_id, role=Membership.Role.ADMIN
        ).values_list("user__email", flat=True)
        if email
    ]
    if not admins:
        return
    link = f"{settings.SITE_URL}/webhooks/{subscription.public_id}/"
    send_mail(
        subject=f"Webhook disabled: {subscription.url}",
        message=(
            f"The webhook to {subscription.url} was disabled.\n\n"
            f"{subscription.disabled_reason}\n\n"
            f"See its deliveries, fix the receiver and enable it again: {link}\n"
        ),
        from_email=None,
        recipient_list=admins,
    )
    log.warning("Webhook %s disabled after repeated failures", subscription.public_id)
