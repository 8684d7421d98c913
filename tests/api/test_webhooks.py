"""Webhooks delivered for real to a receiving HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry
from django.core import mail

from api.models import WebhookDelivery, WebhookSubscription
from api.tasks import collect_webhook_deliveries, deliver_webhook
from api.webhooks.services import check_url, create_subscription
from governance.models import Gate
from governance.services import request_gate_decision
from kernel.errors import InvalidInput
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.world import finish_phase, meet_criteria_and_attest


class Receiver:
    """An HTTP server in a thread: records every POST, answers the queued statuses, then 204."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/bpo"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def verify(secret: str, header: str, body: bytes) -> bool:
    """The verification snippet of api/API.md, as a receiver would run it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def run_beat_and_deliveries(django_capture_on_commit_callbacks, world) -> int:
    """The beat task, then each delivery task it enqueued, retried until it settles."""
    with django_capture_on_commit_callbacks(execute=False):
        collect_webhook_deliveries()
    with tenant_context(world.tenant):
        pending = list(
            WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True)
        )
    calls = 0
    for delivery_id in pending:
        while True:
            calls += 1
            try:
                deliver_webhook(delivery_id=delivery_id, tenant_id=world.tenant.pk)
            except Retry:
                continue
            break
    return calls


def subscribe(world, url, event_types):
    with tenant_context(world.tenant):
        return create_subscription(
            actor=world.admin, tenant=world.tenant, url=url, event_types=event_types
        )


def test_each_event_reaches_the_receiver_once_signed(
    home, receiver, django_capture_on_commit_callbacks
):
    _subscription, secret = subscribe(home, receiver.url, ["milestone.updated"])
    with tenant_context(home.tenant):
        milestone = Milestone.objects.filter(engagement=home.engagement).first()
        update_milestone(actor=home.pmo, milestone=milestone, title="Seen by the receiver")
        update_milestone(actor=home.pmo, milestone=milestone, title="Seen twice")

    run_beat_and_deliveries(django_capture_on_commit_callbacks, home)
    run_beat_and_deliveries(django_capture_on_commit_callbacks, home)  # nothing new

    assert len(receiver.received) == 2
    for request in receiver.received:
        assert verify(secret, request["headers"]["X-BPO-Signature"], request["body"])
        assert request["headers"]["X-BPO-Event"] == "milestone.updated"
    titles = [json.loads(r["body"])["change"]["object"]["title"] for r in receiver.received]
    # The object as the API shows it at collection time: both carry the latest title.
    assert titles == ["Seen twice", "Seen twice"]
    assert not verify("whsec_wrong", receiver.received[0]["headers"]["X-BPO-Signature"], b"{}")
    with tenant_context(home.tenant):
        log = list(WebhookDelivery.objects.values_list("status", "attempts", "response_code"))
    assert log == [("succeeded", 1, 204), ("succeeded", 1, 204)]


def test_a_receiver_that_fails_twice_gets_the_delivery_on_the_third_attempt(
    home, receiver, django_capture_on_commit_callbacks
):
    subscribe(home, receiver.url, ["milestone.updated"])
    receiver.answers = [500, 503]
    with tenant_context(home.tenant):
        milestone = Milestone.objects.filter(engagement=home.engagement).first()
        update_milestone(actor=home.pmo, milestone=milestone, title="Third time lucky")

    calls = run_beat_and_deliveries(django_capture_on_commit_callbacks, home)

    assert calls == 3
    bodies = {request["body"] for request in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1  # the same delivery, resent
    with tenant_context(home.tenant):
        delivery = WebhookDelivery.objects.get()
        subscription = WebhookSubscription.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 204)
    assert delivery.duration_ms is not None
    assert subscription.consecutive_failures == 0


def test_gate_events_and_other_types_go_only_where_subscribed(
    home, receiver, django_capture_on_commit_callbacks
):
    subscribe(home, receiver.url, ["gate.requested"])
    with tenant_context(home.tenant):
        gate = Gate.objects.get(engagement=home.engagement, phase__kind="kickoff")
        finish_phase(home.world, "kickoff")
        meet_criteria_and_attest(home.world, gate)
        request_gate_decision(actor=home.pmo, gate=gate)

    run_beat_and_deliveries(django_capture_on_commit_callbacks, home)

    kinds = [json.loads(r["body"])["event"] for r in receiver.received]
    assert kinds == ["gate.requested"]
    change = json.loads(receiver.received[0]["body"])["change"]
    assert change["object"]["status"] == "requested"


def test_a_failing_receiver_disables_the_subscription_and_tells_the_admins(
    home, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.answers = [500] * 10
    subscribe(home, receiver.url, ["milestone.updated"])
    with tenant_context(home.tenant):
        for milestone in Milestone.objects.filter(engagement=home.engagement)[:3]:
            update_milestone(actor=home.pmo, milestone=milestone, title="Nobody listens")

    with django_capture_on_commit_callbacks(execute=True):
        run_beat_and_deliveries(django_capture_on_commit_callbacks, home)

    with tenant_context(home.tenant):
        subscription = WebhookSubscription.objects.get()
        statuses = sorted(WebhookDelivery.objects.values_list("status", flat=True))
    assert not subscription.active
    assert "3 failed attempts in a row" in subscription.disabled_reason
    # Two attempts of the first delivery, one of the second; the third is not sent.
    assert len(receiver.received) == 3
    assert statuses == ["failed", "failed", "failed"]
    assert [message.to for message in mail.outbox] == [[home.admin.email]]
    assert "Webhook disabled" in mail.outbox[0].subject


def test_urls_resolving_to_private_addresses_are_refused(home, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://192.168.0.10/hook",
        "ftp://example.com/hook",
    ):
        with pytest.raises(InvalidInput) as refused:
            check_url(url)
        assert list(refused.value.errors) == ["url"], url
    with tenant_context(home.tenant), pytest.raises(InvalidInput):
        create_subscription(
            actor=home.admin,
            tenant=home.tenant,
            url="http://127.0.0.1/hook",
            event_types=["milestone.created"],
        )
    with tenant_context(home.tenant):
        assert not WebhookSubscription.objects.exists()


def test_a_delivery_never_carries_another_tenants_data(
    home, foreign, receiver, django_capture_on_commit_callbacks
):
    subscribe(home, receiver.url, ["milestone.updated"])
    with tenant_context(foreign.tenant):
        milestone = Milestone.objects.filter(engagement=foreign.engagement).first()
        update_milestone(actor=foreign.pmo, milestone=milestone, title="Foreign change")
    with tenant_context(home.tenant):
        milestone = Milestone.objects.filter(engagement=home.engagement).first()
        update_milestone(actor=home.pmo, milestone=milestone, title="Home change")

    run_beat_and_deliveries(django_capture_on_commit_callbacks, home)

    assert [json.loads(r["body"])["change"]["object"]["title"] for r in receiver.received] == [
        "Home change"
    ]
    assert all(b"Foreign" not in r["body"] for r in receiver.received)


def test_the_secret_is_shown_once_and_private_urls_are_a_400(api, home, settings):
    token = home.tokens["admin"]
    created = api.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/bpo", "event_types": ["review.published"]},
        token=token,
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    again = api.get(f"/api/v1/webhooks/{created.json()['id']}/", token=token)
    listed = api.get("/api/v1/webhooks/", token=token)
    assert secret.encode() not in again.content + listed.content
    assert "secret" not in again.json()

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    refused = api.post(
        "/api/v1/webhooks/",
        {"url": "http://169.254.169.254/latest/", "event_types": ["milestone.created"]},
        token=token,
    )
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["url"]
    assert len(api.get("/api/v1/webhooks/", token=token).json()["results"]) == 1


def test_another_tenants_deliveries_are_not_found(api, home, foreign):
    with tenant_context(foreign.tenant):
        theirs, _secret = create_subscription(
            actor=foreign.admin,
            tenant=foreign.tenant,
            url="https://hooks.example.com/theirs",
            event_types=["milestone.updated"],
        )
    response = api.get(
        f"/api/v1/webhooks/{theirs.public_id}/deliveries/", token=home.tokens["admin"]
    )
    assert response.status_code == 404
    assert api.get("/api/v1/webhooks/", token=home.tokens["admin"]).json()["results"] == []
