"""Operations: /metrics behind a bearer token, counters shared through the cache, JSON logs
carrying the request's correlation id, Sentry only when SENTRY_DSN is set."""

import json
import logging
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from pythonjsonlogger.json import JsonFormatter

from kernel import correlation, metrics

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


@pytest.mark.django_db
def test_metrics_is_not_found_without_its_token(client, metrics_token):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404


@pytest.mark.django_db
def test_metrics_is_closed_when_no_token_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_metrics_shows_latency_by_view_and_the_background(client, metrics_token):
    cache.clear()
    client.get("/healthz")
    metrics.count("reminders_sent", 3)
    metrics.count("reminders_failed")
    metrics.count("webhook_delivery_failures", 2)
    metrics.record_scan(250)
    from health.services import record_heartbeat

    record_heartbeat(name="worker")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="healthz"}'
        in body
    )
    assert "bpo_reminders_sent_total 3.0" in body
    assert "bpo_reminders_failed_total 1.0" in body
    assert "bpo_webhook_delivery_failures_total 2.0" in body
    assert "bpo_reminder_scans_total 1.0" in body
    assert "bpo_reminder_scan_last_seconds 0.25" in body
    assert 'bpo_heartbeat_age_seconds{process="worker"}' in body
    assert 'bpo_celery_queue_depth{queue="celery"}' in body


def test_a_counter_never_breaks_the_work_it_counts(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", down)
    metrics.count("reminders_sent")  # logged, not raised
    with pytest.raises(KeyError):
        metrics.count("no_such_counter")


@pytest.mark.django_db
def test_a_requests_log_line_carries_its_correlation_id(client, caplog):
    given = uuid.uuid4()
    with caplog.at_level(logging.INFO, logger="bpo.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=str(given))
    assert response["X-Request-ID"] == str(given)
    (record,) = [r for r in caplog.records if r.name == "bpo.request"]
    correlation.CorrelationIdFilter().filter(record)
    config = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(config["fmt"], rename_fields=config["rename_fields"])
    line = json.loads(formatter.format(record))
    assert line["correlation_id"] == str(given)
    assert line["status"] == 200
    assert line["view"] == "healthz"
    assert line["logger"] == "bpo.request"


@pytest.mark.django_db
def test_a_request_without_an_id_gets_one_and_a_bad_one_is_replaced(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert uuid.UUID(made)
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="x" * 500)["X-Request-ID"]
    assert uuid.UUID(replaced)


def test_events_written_in_a_request_carry_its_correlation_id(world):
    from audit.models import Event

    given = uuid.uuid4()
    token = correlation._current.set(given)
    try:
        from milestones import services
        from milestones.models import Milestone

        milestone = Milestone.objects.filter(engagement=world.engagement).first()
        services.update_milestone(actor=world.pmo, milestone=milestone, title="Renamed")
    finally:
        correlation._current.reset(token)
    assert Event.objects.filter(correlation_id=given).exists()


def _settings_load(extra_env: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"} | extra_env
    code = (
        "import django; django.setup(); import sentry_sdk; "
        "print(sentry_sdk.get_client().is_active())"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "bpo_transition.settings.test"},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    ).stdout.strip()


def test_settings_load_without_sentry_and_sentry_starts_only_with_a_dsn():
    assert _settings_load({}) == "False"
    assert _settings_load({"SENTRY_DSN": "https://public@sentry.invalid/1"}) == "True"
