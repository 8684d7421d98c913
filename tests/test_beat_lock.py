"""One beat sends the schedule at a time when Redis is there (health/beat.py): a second one
stands by and takes over once the first stops renewing its lock."""

import pytest
import redis
from django.conf import settings

from health import beat

# Redis db 13 is this test's own (CI's tests use 15, the production step 14).
BASE = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL else "redis://127.0.0.1:6379"
URL = f"{BASE}/13"


@pytest.fixture
def fresh_redis():
    client = redis.Redis.from_url(URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if settings.REDIS_URL:
            raise
        pytest.skip("no Redis on 127.0.0.1:6379 (CI always has one)")
    client.delete(beat.LOCK_NAME)
    yield client
    client.delete(beat.LOCK_NAME)


def test_a_second_beat_stands_by_until_the_first_stops(fresh_redis):
    first = beat._Leadership(URL, seconds=30)
    second = beat._Leadership(URL, seconds=30)
    assert first.check()
    assert not second.check()
    assert first.check()  # renewed
    assert not second.check()
    # The first stops (its lock runs out): the second leads, and the first, back, stands by.
    fresh_redis.delete(beat.LOCK_NAME)
    assert second.check()
    assert not first.check()
    assert not first.leading


def test_a_standing_by_beat_sends_nothing_and_records_no_heartbeat(
    fresh_redis, transactional_db, settings, tmp_path
):
    from bpo_transition.celery import app as celery_app
    from health.models import WorkerHeartbeat

    settings.REDIS_URL = URL
    beat._Leadership(URL, seconds=30).check()  # another beat leads
    scheduler = beat.HeartbeatScheduler(
        app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True
    )
    scheduler.setup_schedule()
    try:
        assert scheduler.tick() == settings.BEAT_LOCK_SECONDS / 3
    finally:
        scheduler.close()
    assert not WorkerHeartbeat.objects.filter(name="beat").exists()


def test_a_beat_that_stops_cleanly_hands_the_lead_over_at_once(fresh_redis):
    first = beat._Leadership(URL, seconds=30)
    second = beat._Leadership(URL, seconds=30)
    assert first.check()
    first.release()
    assert second.check()
    first.release()  # not leading: the other's lock is left alone
    assert second.check()
