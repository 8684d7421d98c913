import datetime
from unittest import mock

import time_machine
from django.db import OperationalError
from django.test import Client

from bpo_transition.celery import app as celery_app
from health.beat import HeartbeatScheduler
from health.models import WorkerHeartbeat


def test_healthz_is_ok_with_database_and_broker_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok"}


def test_healthz_names_a_stopped_broker(client, db):
    stopped = celery_app.connection_for_write("redis://127.0.0.1:1/0")
    with mock.patch("health.views.broker_connection", return_value=stopped):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"] == "ok"


def test_healthz_names_an_unreachable_database(client, db):
    with mock.patch(
        "health.views.connection.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]


def _beat(name: str, at: datetime.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"last_run_at": at, "runs": 1})


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_healthz_reports_the_age_of_the_workers_and_beats_heartbeats(client, db):
    _beat("worker", NOW - datetime.timedelta(seconds=400))
    _beat("beat", NOW - datetime.timedelta(seconds=20))
    body = client.get("/healthz").json()
    assert body["heartbeats"] == {
        "worker": {"last_seen": "2026-03-02T09:23:20+00:00", "age_seconds": 400, "stale": True},
        "beat": {"last_seen": "2026-03-02T09:29:40+00:00", "age_seconds": 20, "stale": False},
    }
    assert body["status"] == "ok"  # reported, not judged: the web server itself is fine


@time_machine.travel(NOW, tick=False)
def test_pmo_and_admins_see_since_when_the_worker_is_quiet_in_their_own_time(world):
    world.tenant.time_zone = "Asia/Kolkata"
    world.tenant.save(update_fields=["time_zone"])
    world.admin.time_zone = "America/New_York"
    world.admin.save(update_fields=["time_zone"])
    _beat("worker", datetime.datetime(2026, 3, 2, 3, 44, tzinfo=datetime.UTC))
    _beat("beat", NOW)

    banner = _signed_in(world.pmo).get("/health/banner/").content.decode()
    assert "Reminders are not being sent: the worker has not answered since 09:14." in banner
    banner = _signed_in(world.admin).get("/health/banner/").content.decode()
    assert "the worker has not answered since 22:44 on 01 Mar 2026." in banner
    for member in (world.client_lead, world.provider_lead):
        assert _signed_in(member).get("/health/banner/").content.decode().strip() == ""
    page = _signed_in(world.pmo).get("/").content.decode()
    assert 'hx-get="/health/banner/"' in page
    assert 'hx-get="/health/banner/"' not in _signed_in(world.client_lead).get("/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_quiet_beat_is_named_alone_and_fresh_or_unseen_heartbeats_show_nothing(world):
    pmo = _signed_in(world.pmo)
    assert pmo.get("/health/banner/").content.decode().strip() == ""  # a fresh installation
    _beat("worker", NOW - datetime.timedelta(seconds=30))
    _beat("beat", NOW - datetime.timedelta(seconds=60))
    assert pmo.get("/health/banner/").content.decode().strip() == ""
    _beat("worker", NOW - datetime.timedelta(minutes=10))
    _beat("beat", NOW - datetime.timedelta(minutes=10))
    banner = pmo.get("/health/banner/").content.decode()
    assert "Reminders are not being sent: the scheduler (beat) has not answered since" in banner
    assert "worker" not in banner


def test_beat_records_its_own_heartbeat_as_it_ticks(transactional_db, tmp_path):
    # transactional_db: beat closes stale connections before it writes, as a long-running
    # process must; inside a test transaction that would close the test's own connection.
    scheduler = HeartbeatScheduler(
        app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True
    )
    scheduler.setup_schedule()
    try:
        scheduler.tick()
    finally:
        scheduler.close()
    assert WorkerHeartbeat.objects.get(name="beat").runs == 1
    assert not WorkerHeartbeat.objects.filter(name="worker").exists()
