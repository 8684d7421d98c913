"""``/metrics`` for Prometheus: request latency by view (django-prometheus), and what the
background does: the Celery queue's depth, reminders sent and failed, the reminder scan's
duration, webhook delivery failures and the age of the worker's and beat's heartbeats.

Not public. It answers only a request carrying ``Authorization: Bearer <METRICS_TOKEN>``; with
no METRICS_TOKEN set it answers 404 to everyone. A bearer token rather than an address list:
behind a reverse proxy or in containers every scrape comes from an address that says little
(the proxy's, a changing container's), while Prometheus sends a token from its scrape
configuration (``authorization: {credentials_file: ...}``) wherever it runs.
"""

from __future__ import annotations

import hmac
import logging
import os

import prometheus_client
from amqp.exceptions import ChannelError
from celery import current_app as celery_app
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from health.selectors import heartbeats
from kernel import metrics

log = logging.getLogger("health.metrics")
QUEUE = "celery"


def queue_depth(queue: str = QUEUE) -> int | None:
    """Messages waiting in the broker's queue (Redis: the list's length); None if unknown."""
    try:
        with celery_app.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            return int(declared.message_count)
    except ChannelError:
        # Redis keeps a queue as a list, and an empty list does not exist: nothing waits.
        return 0
    except Exception:
        log.warning("Could not read the depth of queue %s", queue, exc_info=True)
        return None


class BackgroundCollector:
    """Read at scrape time: counts from the shared cache, depth from the broker, heartbeats
    from the database (one query)."""

    def collect(self):
        values = metrics.read()
        for name, help_text in metrics.COUNTERS.items():
            family = CounterMetricFamily(f"bpo_{name}", help_text)
            family.add_metric([], values[name])
            yield family
        last = GaugeMetricFamily(
            "bpo_reminder_scan_last_seconds", "How long the last reminder scan took."
        )
        last.add_metric([], values["reminder_scan_last_milliseconds"] / 1000)
        yield last
        depth = queue_depth()
        if depth is not None:
            gauge = GaugeMetricFamily(
                "bpo_celery_queue_depth", "Tasks waiting in the broker.", labels=["queue"]
            )
            gauge.add_metric([QUEUE], depth)
            yield gauge
        ages = GaugeMetricFamily(
            "bpo_heartbeat_age_seconds",
            "Seconds since the process last recorded its heartbeat (absent: never).",
            labels=["process"],
        )
        for name, beat in heartbeats().items():
            if beat.age_seconds is not None:
                ages.add_metric([name], beat.age_seconds)
        yield ages


_background = prometheus_client.CollectorRegistry(auto_describe=False)
_background.register(BackgroundCollector())


def _allowed(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), expected.encode())


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn's workers each write their own files; this adds them up.
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(
        _background
    )
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
