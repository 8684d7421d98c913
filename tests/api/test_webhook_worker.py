"""Webhooks through a real Celery worker: beat's walk, the delivery task and its retries run
on the configured broker (Redis on CI), against a receiving HTTP server on loopback."""

import json
import time

import pytest
from celery.contrib.testing.worker import start_worker

from api.models import WebhookDelivery
from api.tasks import collect_webhook_deliveries
from bpo_transition.celery import app as celery_app
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from milestones.services import update_milestone
from tests.api.test_webhooks import receiver, subscribe, verify  # noqa: F401 (fixture)
from tests.world import build_world


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_each_event_once_signed_after_two_failures(receiver, settings):  # noqa: F811
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1  # retries after about 1 s, then 2 s
    world = build_world("Alpha")
    _subscription, secret = subscribe(world, receiver.url, ["milestone.updated"])
    receiver.answers = [500, 503]
    with tenant_context(world.tenant):
        milestone = Milestone.objects.filter(engagement=world.engagement).first()
        update_milestone(actor=world.pmo, milestone=milestone, title="Through the worker")

    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        collect_webhook_deliveries.delay()
        assert wait_for(lambda: len(receiver.received) >= 3, 60), receiver.received
        # Beat fires again: the event already has its delivery, nothing more is sent.
        collect_webhook_deliveries.delay()
        time.sleep(3)

    assert len(receiver.received) == 3
    bodies = {request["body"] for request in receiver.received}
    assert len(bodies) == 1  # the same delivery, sent three times
    request = receiver.received[-1]
    assert verify(secret, request["headers"]["X-BPO-Signature"], request["body"])
    assert json.loads(request["body"])["change"]["object"]["title"] == "Through the worker"
    with tenant_context(world.tenant):
        deliveries = list(
            WebhookDelivery.objects.values_list("status", "attempts", "response_code")
        )
    assert deliveries == [("succeeded", 3, 204)]
