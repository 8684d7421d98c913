"""Builders for the webhook routes: the API's (/api/v1/webhooks/...) and the browser pages."""

from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks.services import create_subscription
from audit.models import Event
from tests.routes import populates, route

V1 = "/api/v1"


@populates
def subscribe_and_log_a_delivery(world):
    subscription, _secret = create_subscription(
        actor=world.admin,
        tenant=world.tenant,
        url="https://hooks.example.com/route-walk",
        event_types=["milestone.updated"],
    )
    WebhookDelivery.objects.create(
        tenant=world.tenant,
        subscription=subscription,
        event=Event.objects.order_by("position").first(),
        event_type="milestone.updated",
        payload={"event": "milestone.updated"},
    )


def _webhook(world):
    return WebhookSubscription.objects.order_by("id").first()


def _delivery(world):
    return WebhookDelivery.objects.order_by("id").first()


@route("api:webhook-detail")
def webhook_api(world):
    return f"{V1}/webhooks/{_webhook(world).public_id}/"


@route("api:webhook-deliveries")
def webhook_deliveries_api(world):
    return f"{V1}/webhooks/{_webhook(world).public_id}/deliveries/"


@route("api:webhook-resend", method="post")
def webhook_resend_api(world):
    delivery = _delivery(world)
    webhook = delivery.subscription.public_id
    return f"{V1}/webhooks/{webhook}/deliveries/{delivery.public_id}/resend/"


@route("webhooks:detail")
def webhook_page(world):
    return f"/webhooks/{_webhook(world).public_id}/"


@route("webhooks:toggle", method="post")
def webhook_toggle_page(world):
    return f"/webhooks/{_webhook(world).public_id}/toggle/"


@route("webhooks:resend", method="post")
def webhook_resend_page(world):
    delivery = _delivery(world)
    return f"/webhooks/{delivery.subscription.public_id}/deliveries/{delivery.public_id}/resend/"
