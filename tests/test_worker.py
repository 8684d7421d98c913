"""The Celery pipeline end to end: a real worker consumes from the configured broker."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from bpo_transition.celery import app as celery_app
from health.models import WorkerHeartbeat
from health.tasks import record_heartbeat


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_heartbeat_runs_on_a_real_worker():
    # A queue of this test's own: the broker is shared with the other test processes, whose
    # work queued on the default queue must not stand in front of the heartbeat.
    queue = f"heartbeat-test-{uuid.uuid4().hex[:8]}"
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
        queues=[queue],
    ):
        record_heartbeat.apply_async(queue=queue)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
            time.sleep(0.2)
    heartbeat = WorkerHeartbeat.objects.get(name="worker")
    assert heartbeat.runs == 1


def test_broker_is_redis_when_redis_url_is_set():
    if settings.REDIS_URL:
        assert celery_app.conf.broker_url.startswith("redis://")
    else:
        assert celery_app.conf.broker_url.startswith("folder://")
