"""Exactly once on a real Redis broker with a real worker process (PostgreSQL shared).

Run locally with
    REDIS_URL=redis://127.0.0.1:6379/9 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bpo_reminders \\
    .venv/bin/python -m pytest -m worker tests/notifications/test_worker_reminders.py
On CI (CI=true) a missing Redis or PostgreSQL fails these tests; elsewhere it skips them.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from notifications import selectors
from notifications.models import Reminder
from notifications.scan import run_scan
from notifications.tasks import deliver_reminders, scan_reminders
from tests.notifications.mail import (
    RECORDED_MAIL_TABLE,
    create_recorded_mail_table,
    drop_recorded_mail_table,
)
from tests.world import build_world

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_redis_and_postgresql() -> None:
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL (the worker shares it)")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as failure:
            problems.append(f"Redis at {settings.REDIS_URL} is unreachable: {failure}")
    if problems:
        message = "The reminder worker tests need " + "; ".join(problems)
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)


class WorkerProcess:
    """``celery worker`` in a process group of its own, on the test's queue and database."""

    def __init__(self, queue: str, **environment: str) -> None:
        self.queue = queue
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="reminder-worker-", suffix=".log")[1])

    def start(self, concurrency: int = 2) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "WORKER_DATABASE_NAME": connection.settings_dict["NAME"],
            "WORKER_QUEUE": self.queue,
            **self.environment,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bpo_transition",
                "worker",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the worker did not start:\n" + self.log.read_text())
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the worker and its pool processes: no clean shutdown, no acks."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def recorded_mail():
    require_redis_and_postgresql()
    create_recorded_mail_table()
    yield
    drop_recorded_mail_table()


@pytest.fixture
def workers(recorded_mail):
    started: list[WorkerProcess] = []
    queue = f"reminders-test-{uuid.uuid4().hex[:8]}"

    def start(concurrency: int = 2, **environment: str) -> WorkerProcess:
        worker = WorkerProcess(queue, **environment)
        worker.start(concurrency)
        started.append(worker)
        return worker

    start.queue = queue
    yield start
    for worker in started:
        worker.stop()


def sent_mail() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT message_id, recipient, subject FROM {RECORDED_MAIL_TABLE} "  # noqa: S608
            "WHERE NOT failed ORDER BY id"
        )
        return cursor.fetchall()


def failed_sends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {RECORDED_MAIL_TABLE} WHERE failed")  # noqa: S608
        return cursor.fetchone()[0]


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


WORKER_TIMING = {
    "REMINDER_RETRY_BASE_SECONDS": "1",
    "REMINDER_DELIVERY_LEASE_SECONDS": "3",
    "CELERY_VISIBILITY_TIMEOUT": "6",
}


def test_concurrent_scans_and_a_retried_send_give_one_e_mail_per_occasion(workers):
    alpha, bravo = build_world("Alpha"), build_world("Bravo")
    moment = datetime.datetime(2026, 1, 9, 8, tzinfo=datetime.UTC)
    expected = selectors.occasions_not_yet_recorded(now=moment)
    assert len(expected) >= 10
    workers(concurrency=3, REMINDER_TEST_FAIL_FIRST_TO=alpha.client_lead.email, **WORKER_TIMING)

    # Beat fires twice and an operator runs a scan by hand, all at once.
    for _ in range(2):
        scan_reminders.apply_async(kwargs={"now": moment.isoformat()}, queue=workers.queue)

    def scan_here() -> None:
        run_scan(
            now=moment,
            dispatch=lambda batch: deliver_reminders.apply_async(
                kwargs={"tenant_id": batch.tenant_id, "reminder_ids": list(batch.reminder_ids)},
                queue=workers.queue,
            ),
        )
        connection.close()

    by_hand = threading.Thread(target=scan_here)
    by_hand.start()
    by_hand.join(timeout=60)
    wait_until(lambda: len(sent_mail()) >= len(expected), 60, "every reminder to be e-mailed")

    # The broker hands every delivery out again, as after a lost acknowledgement.
    for row in Reminder._base_manager.all():
        deliver_reminders.apply_async(
            kwargs={"tenant_id": row.tenant_id, "reminder_ids": [row.pk]}, queue=workers.queue
        )
    time.sleep(4)

    mails = sent_mail()
    assert len(mails) == len(expected)
    assert len({message_id for message_id, _to, _subject in mails}) == len(expected)
    assert {(to, subject) for _id, to, subject in mails} == {
        (to, subject) for _id, to, subject in mails
    }
    assert failed_sends() == 1  # the client lead's first send failed and was retried
    retried = Reminder._base_manager.filter(recipient=alpha.client_lead)
    assert {row.status for row in retried} == {"sent"}
    assert sorted(row.attempts for row in retried)[-1] == 2
    assert Reminder._base_manager.filter(status="sent").count() == len(expected)
    tenants_named = {subject.split("]")[0] for _id, _to, subject in mails}
    assert tenants_named == {f"[{alpha.tenant.name}", f"[{bravo.tenant.name}"}


class BeatProcess:
    """``celery beat`` on the test's database and queue: the sweep runs on its own schedule."""

    def __init__(self, queue: str, **environment: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="reminder-beat-"))
        self.log = self.folder / "beat.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "WORKER_DATABASE_NAME": connection.settings_dict["NAME"],
            "WORKER_QUEUE": queue,
            **environment,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bpo_transition",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.folder / 'schedule'}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


# The sweep every 2 s and a lease of 4 s: a real installation's 30 s and 60 s, scaled down.
SWEEP_TIMING = {
    **WORKER_TIMING,
    "REMINDER_SWEEP_SECONDS": "2",
    "REMINDER_DELIVERY_LEASE_SECONDS": "4",
}


def test_a_worker_killed_mid_batch_delivers_every_reminder_once_with_no_hand_action(workers):
    build_world("Alpha")
    moment = datetime.datetime(2026, 1, 16, 8, tzinfo=datetime.UTC)
    expected = len(selectors.occasions_not_yet_recorded(now=moment))
    assert expected >= 15
    slow = {"REMINDER_TEST_SEND_SECONDS": "0.4", **SWEEP_TIMING}
    first = workers(concurrency=1, **slow)
    beat = BeatProcess(workers.queue, **SWEEP_TIMING)
    try:
        scan_reminders.apply_async(kwargs={"now": moment.isoformat()}, queue=workers.queue)
        wait_until(lambda: len(sent_mail()) >= 3, 60, "the first e-mails")
        first.kill()
        delivered_before_the_kill = len(sent_mail())
        assert 3 <= delivered_before_the_kill < expected
        assert Reminder._base_manager.filter(status="pending").exists()

        # A restart, and nothing else: beat's sweep hands the dead worker's rows out again once
        # their lease is over.
        workers(concurrency=1, **slow)
        restarted = time.monotonic()
        wait_until(lambda: len(sent_mail()) >= expected, 120, "every reminder after the restart")
        took = time.monotonic() - restarted
        # Redis hands the killed worker's unacknowledged task out again (visibility timeout 6 s)
        # and the sweep may have sent a batch twice: each finds its rows sent.
        time.sleep(8)
    finally:
        beat.stop()
    assert took < 120
    assert "notifications.tasks.sweep_reminders" in beat.log.read_text()

    mails = sent_mail()
    assert len(mails) == expected, f"{len(mails) - expected} e-mails sent twice"
    assert len({message_id for message_id, _to, _subject in mails}) == expected
    assert set(Reminder._base_manager.values_list("status", flat=True)) == {"sent"}
