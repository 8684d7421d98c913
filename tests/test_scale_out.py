"""Scale-out: 2 web processes, 2 Celery workers and 2 beats on PostgreSQL and Redis, for several
scan cycles while an API client writes milestones through both web processes; the leading beat
is stopped midway and the other takes over. Afterwards:
every reminder was sent once, every webhook delivered once, a change-feed mirror kept over
HTTP equals the database, and PostgreSQL counted no deadlock.

Redis database 12 is this test's own (CI's tests use 15, the production step 14, the lock test
13, the broker bench 11). On CI a missing Redis or PostgreSQL fails it; elsewhere it skips.
"""

from __future__ import annotations

import datetime
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Tenant, known_time_zones
from api.models import WebhookDelivery
from kernel.tenancy import tenant_context
from milestones.models import Milestone
from notifications import selectors
from notifications.models import Reminder
from tests.api.conftest import build_api_world
from tests.api.test_change_feed import api_milestones, mirror_of, read_feed
from tests.api.test_webhooks import Receiver, subscribe
from tests.notifications.mail import (
    RECORDED_MAIL_TABLE,
    create_recorded_mail_table,
    drop_recorded_mail_table,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Six Django processes: run beside no run-script test (tests/conftest.py groups them).
    pytest.mark.scaleout,
]

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BASE = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL else "redis://127.0.0.1:6379"
REDIS_URL = f"{BASE}/12"
# Beat's periods, shortened: a scan every 3 s, the webhook walk every 2 s.
TIMING = {
    "REMINDER_SCAN_SECONDS": "3",
    "WEBHOOK_COLLECT_SECONDS": "2",
    "REMINDER_SWEEP_SECONDS": "3",
    "HEARTBEAT_SECONDS": "5",
    "BEAT_LOCK_SECONDS": "6",
    "REMINDER_DELIVERY_LEASE_SECONDS": "10",
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
}
WRITES_PER_WRITER = 12


def require_services() -> None:
    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as failure:
        problems.append(f"Redis at {REDIS_URL} is unreachable: {failure}")
    if problems:
        message = "The scale-out test needs " + "; ".join(problems)
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def a_zone_in_the_day() -> str:
    """A time zone where it is between 09:00 and 21:00 now: past the reminder hour, and no
    midnight while the test runs."""
    now = timezone.now()
    for name in sorted(known_time_zones()):
        if 9 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour < 21:
            return name
    raise AssertionError("no time zone is in its day")


class Processes:
    """The processes of a deployment, each in a process group of its own, logging to files."""

    def __init__(self, folder: Path, environment: dict) -> None:
        self.folder = folder
        self.environment = environment
        self.started: list[tuple[str, subprocess.Popen, Path]] = []
        self.stopped: set[str] = set()

    def start(self, name: str, *command: str) -> Path:
        log = self.folder / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=settings.BASE_DIR,
            env=self.environment,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process, log))
        return log

    def stop_one(self, name: str) -> None:
        for started, process, _log in self.started:
            if started == name:
                self.stopped.add(name)
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)

    def check_alive(self) -> None:
        for name, process, log in self.started:
            if process.poll() is not None and name not in self.stopped:
                raise AssertionError(f"{name} exited:\n{log.read_text()[-4000:]}")

    def stop(self) -> None:
        for _name, process, _log in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process, _log in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def logs(self) -> dict[str, str]:
        return {name: log.read_text() for name, _process, log in self.started}


def wait_until(condition, seconds: float, what: str, processes: Processes) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        processes.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def wait_for_a_leader(processes: Processes) -> str:
    found: list[str] = []

    def leads() -> bool:
        logs = processes.logs()
        found[:] = [name for name in ("beat1", "beat2") if "leads (lock" in logs[name]]
        return bool(found)

    wait_until(leads, 120, "a beat to lead", processes)
    return found[0]


class HttpApi:
    """The calls of tests/api's helpers, over HTTP, spread over the web processes."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = 0
        self.session = requests.Session()

    def call(self, method: str, url: str, *, token: str, body=None):
        self.turn += 1
        port = self.ports[self.turn % len(self.ports)]
        address = url if url.startswith("http") else f"http://127.0.0.1:{port}{url}"
        return self.session.request(
            method,
            address,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    def get(self, url, *, token):
        return self.call("GET", url, token=token)


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def recorded_mail() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT message_id FROM {RECORDED_MAIL_TABLE} WHERE NOT failed"  # noqa: S608
        )
        return [message_id for (message_id,) in cursor.fetchall()]


@pytest.fixture
def deployment(tmp_path):
    require_services()
    redis.Redis.from_url(REDIS_URL).flushdb()
    create_recorded_mail_table()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.scale_out_settings",
        "SCALE_OUT_DATABASE_NAME": connection.settings_dict["NAME"],
        "SCALE_OUT_REDIS_URL": REDIS_URL,
        **TIMING,
    }
    processes = Processes(Path(tempfile.mkdtemp(prefix="scale-out-", dir=tmp_path)), environment)
    yield processes
    processes.stop()
    drop_recorded_mail_table()
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_two_of_everything_send_each_reminder_and_webhook_once(deployment):
    home = build_api_world("Alpha")
    zone = a_zone_in_the_day()
    Tenant.objects.filter(pk=home.tenant.pk).update(time_zone=zone)
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    token = home.tokens["pmo"]
    with tenant_context(home.tenant):
        engagement, owner = str(home.engagement.public_id), str(home.provider_lead.public_id)
    receiver = Receiver()
    try:
        subscribe(home, receiver.url, ["milestone.created", "milestone.updated"])
        deadlocks_before = deadlocks()

        ports = [free_port(), free_port()]
        for number, port in enumerate(ports, start=1):
            deployment.start(
                f"web{number}",
                "gunicorn",
                "bpo_transition.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            )
        queue_flags = ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        for number in (1, 2):
            deployment.start(
                f"worker{number}",
                "celery",
                "-A",
                "bpo_transition",
                "worker",
                "-n",
                f"scale-out-{number}@%h",
                "--concurrency=2",
                "--loglevel=INFO",
                *queue_flags,
            )
        for number in (1, 2):
            deployment.start(
                f"beat{number}",
                "celery",
                "-A",
                "bpo_transition",
                "beat",
                "--loglevel=INFO",
                f"--schedule={deployment.folder / f'beat{number}-schedule'}",
                f"--pidfile={deployment.folder / f'beat{number}.pid'}",
            )
        api = HttpApi(ports)

        def webs_answer() -> bool:
            try:
                return all(
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code
                    in (200, 503)
                    for port in ports
                )
            except requests.RequestException:
                return False

        def workers_ready() -> bool:
            logs = deployment.logs()
            return all(" ready." in logs[f"worker{number}"] for number in (1, 2))

        # Deadlines, not timings: six Django processes start on a machine that may be busy.
        wait_until(webs_answer, 180, "both web processes", deployment)
        wait_until(workers_ready, 180, "both workers", deployment)

        # The writers: each creates milestones due around today and renames some, through
        # both web processes, while the mirror follows the feed.
        errors: list[str] = []
        writes_done: list[str] = []

        def writer(seed: int) -> None:
            chance = random.Random(seed)
            mine: list[str] = []
            writes = HttpApi(ports)
            for step in range(WRITES_PER_WRITER):
                if mine and chance.random() < 0.35:
                    response = writes.call(
                        "PATCH",
                        f"/api/v1/milestones/{chance.choice(mine)}/",
                        token=token,
                        body={"title": f"Writer {seed} renamed at {step}"},
                    )
                    expected = 200
                else:
                    due = today + datetime.timedelta(days=chance.choice([-1, 0, 1, 3]))
                    response = writes.call(
                        "POST",
                        "/api/v1/milestones/",
                        token=token,
                        body={
                            "engagement": engagement,
                            "phase": "tooling",
                            "title": f"Writer {seed} step {step}",
                            "owner": owner,
                            "side": "provider",
                            "due_date": due.isoformat(),
                        },
                    )
                    expected = 201
                    if response.status_code == 201:
                        mine.append(response.json()["id"])
                if response.status_code != expected:
                    errors.append(f"{response.status_code}: {response.text[:300]}")
                else:
                    writes_done.append(response.headers.get("X-Request-ID", ""))
                time.sleep(chance.uniform(0.1, 0.5))  # across several scan cycles

        writers = [threading.Thread(target=writer, args=(seed,)) for seed in (1, 2)]
        for thread in writers:
            thread.start()
        entries, cursor = read_feed(api, token)
        # The beat that leads stops while the writers write: the other takes over.
        leader = wait_for_a_leader(deployment)
        deployment.stop_one(leader)
        while any(thread.is_alive() for thread in writers):
            more, cursor = read_feed(api, token, after=cursor, limit=25)
            entries += more
            time.sleep(0.3)
        for thread in writers:
            thread.join()
        assert errors == []

        # Everything settles within a few scan and walk cycles.
        def reminders_settled() -> bool:
            with tenant_context(home.tenant):
                pending = Reminder.objects.filter(status=Reminder.Status.PENDING).exists()
            return not pending and not selectors.occasions_not_yet_recorded(now=timezone.now())

        events = len(writes_done)  # one milestone event each, one delivery each

        def webhooks_settled() -> bool:
            with tenant_context(home.tenant):
                done = WebhookDelivery.objects.filter(
                    status=WebhookDelivery.Status.SUCCEEDED
                ).count()
            return done >= events and len(receiver.received) >= done

        wait_until(reminders_settled, 120, "every reminder to be sent", deployment)
        wait_until(webhooks_settled, 120, "every webhook to be delivered", deployment)
        time.sleep(3)  # a scan and a walk more: nothing further may be sent
        more, cursor = read_feed(api, token, after=cursor)
        entries += more
        mirror = mirror_of(entries)
        database = api_milestones(api, token)
        deployment.check_alive()
    finally:
        deployment.stop()
        receiver.close()

    # Every reminder once: one e-mail per ledger row sent by e-mail, no Message-ID twice.
    with tenant_context(home.tenant):
        ledger = list(Reminder.objects.values_list("pk", "status", "channel"))
        created = Milestone.objects.filter(title__startswith="Writer").count()
        deliveries = list(WebhookDelivery.objects.values_list("public_id", "status", "attempts"))
    mail = recorded_mail()
    assert len(mail) == len(set(mail)), "an e-mail went out twice"
    emailed = {f"reminder-{pk}" for pk, status, channel in ledger if channel == "email"}
    sent_ids = {m.strip("<>").split("@")[0] for m in mail}
    assert emailed <= sent_ids
    assert all(status != "pending" for _pk, status, _channel in ledger)
    assert any(channel for _pk, _status, channel in ledger), "no reminder was due"
    assert created > 0

    # Every webhook once: one delivery per milestone event, each received once.
    received = [request["headers"]["X-BPO-Delivery"] for request in receiver.received]
    assert len(received) == len(set(received)), "a webhook was delivered twice"
    assert len(deliveries) == events
    assert {str(public_id) for public_id, _s, _a in deliveries} == set(received)
    assert all(status == "succeeded" and attempts == 1 for _p, status, attempts in deliveries)

    # The mirror kept through the feed over HTTP equals the database.
    assert mirror == database
    with tenant_context(home.tenant):
        assert len(database) == Milestone.objects.count()

    # No deadlock, no error in any process.
    assert deadlocks() == deadlocks_before
    for name, text in deployment.logs().items():
        assert "deadlock" not in text.lower(), name
        assert "Traceback" not in text, f"{name}:\n{text[-4000:]}"
    beats = [deployment.logs()[f"beat{number}"] for number in (1, 2)]
    assert all("leads (lock" in text for text in beats), "the second beat never took over"
