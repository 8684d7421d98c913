"""The webhook pages: tenant admins create webhooks (secret shown once) and re-send deliveries."""

from __future__ import annotations

from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks.services import create_subscription
from audit.models import Event
from kernel.tenancy import tenant_context


def test_an_admin_creates_a_webhook_and_sees_its_secret_once(client, home):
    client.force_login(home.admin)

    page = client.post(
        "/webhooks/",
        {"url": "https://hooks.example.com/bpo", "event_types": ["milestone.updated"]},
    )

    assert page.status_code == 200
    with tenant_context(home.tenant):
        subscription = WebhookSubscription.objects.get()
    assert subscription.secret.encode() in page.content
    assert page["Cache-Control"] == "no-store"
    again = client.get("/webhooks/")
    detail = client.get(f"/webhooks/{subscription.public_id}/")
    assert b"https://hooks.example.com/bpo" in again.content
    assert subscription.secret.encode() not in again.content + detail.content


def test_a_refused_url_is_shown_beside_the_field_and_nothing_is_created(client, home, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    client.force_login(home.admin)

    page = client.post(
        "/webhooks/", {"url": "http://127.0.0.1/hook", "event_types": ["milestone.updated"]}
    )

    assert page.status_code == 400
    assert "private, loopback or link-local" in page.content.decode()
    with tenant_context(home.tenant):
        assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_shows_each_attempt_and_re_sends(
    client, home, django_capture_on_commit_callbacks
):
    with tenant_context(home.tenant):
        subscription, _secret = create_subscription(
            actor=home.admin,
            tenant=home.tenant,
            url="https://hooks.example.com/bpo",
            event_types=["milestone.updated"],
        )
        delivery = WebhookDelivery.objects.create(
            tenant=home.tenant,
            subscription=subscription,
            event=Event.objects.order_by("position").first(),
            event_type="milestone.updated",
            payload={"event": "milestone.updated"},
            status="failed",
            attempts=8,
            response_code=502,
            duration_ms=1234,
            error="The receiver answered 502.",
        )
    client.force_login(home.admin)

    page = client.get(f"/webhooks/{subscription.public_id}/").content.decode()
    assert "Failed" in page and "502" in page and "1234 ms" in page
    with django_capture_on_commit_callbacks() as sent:
        response = client.post(
            f"/webhooks/{subscription.public_id}/deliveries/{delivery.public_id}/resend/",
            follow=True,
        )

    assert "being sent again" in response.content.decode()
    assert len(sent) == 1  # the delivery task, sent once the change commits
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_members_who_are_not_admins_cannot_open_the_page(client, home):
    client.force_login(home.pmo)
    assert client.get("/webhooks/").status_code == 403
