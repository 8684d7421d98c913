"""A broker under load: a real worker process, several producer processes, every task counted.

Used by ``bench/broker_throughput.py`` (how fast a worker drains the embedded broker beside
Redis) and by ``tests/test_broker_stress.py`` (nothing lost, nothing repeated, the worker
alive). Each probe task appends its token to one file; counting the lines says what arrived.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The worker as scripts/run.sh starts it.
WORKER_ARGUMENTS = [
    "-m",
    "celery",
    "-A",
    "bpo_transition",
    "worker",
    "--loglevel=WARNING",
    "--concurrency=2",
    "--without-heartbeat",
    "--without-gossip",
    "--without-mingle",
]


@dataclass
class LoadResult:
    sent: int
    seconds: float  # from the producers' start to the last task run
    tokens: collections.Counter = field(default_factory=collections.Counter)
    worker_exit: int | None = None  # the worker's exit status if it exited during the load
    worker_log: str = ""

    @property
    def received(self) -> int:
        return sum(self.tokens.values())

    @property
    def lost(self) -> int:
        return self.sent - len(self.tokens)

    @property
    def duplicated(self) -> int:
        return self.received - len(self.tokens)

    @property
    def rate(self) -> float:
        return len(self.tokens) / self.seconds if self.seconds else 0.0


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []


def _send(env: dict, path: Path, label: str, count: int) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "manage.py",
            "send_probes",
            f"--count={count}",
            f"--label={label}",
            "--path",
            path,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for(
    path: Path, count: int, deadline: float, worker: subprocess.Popen, producers=()
) -> bool:
    while time.monotonic() < deadline:
        if len(_lines(path)) >= count:
            return True
        if worker.poll() is not None:
            return False
        if any(producer.poll() for producer in producers):
            return False  # a producer failed: its error is raised below
        time.sleep(0.05)
    return False


def _stop(worker: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def run_load(
    *, env: dict, folder: Path, producers: dict[str, int], timeout: float = 300.0
) -> LoadResult:
    """Start a worker with ``env``, wait until it runs a first probe, then start one producer
    process per label in ``producers`` (label -> tasks) at once, and wait until every task
    ran (or ``timeout``). The worker is stopped at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    ready, path, log_path = folder / "ready.txt", folder / "probes.txt", folder / "worker.log"
    for stale in (ready, path):
        stale.unlink(missing_ok=True)
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, *WORKER_ARGUMENTS],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        warmup = _send(env, ready, "ready", 1)
        warmup.wait(timeout=60)
        if not _wait_for(ready, 1, time.monotonic() + 60, worker):
            raise RuntimeError(f"The worker ran no probe in 60 s:\n{log_path.read_text()}")
        sent = sum(producers.values())
        started = time.monotonic()
        running = [_send(env, path, label, count) for label, count in producers.items()]
        _wait_for(path, sent, started + timeout, worker, running)
        seconds = time.monotonic() - started
        for producer in running:
            output = producer.communicate(timeout=60)[0].decode()
            if producer.returncode:
                raise RuntimeError(f"A producer failed ({producer.returncode}):\n{output}")
        # A moment for a late duplicate to show.
        time.sleep(0.5)
        exit_status = worker.poll()
    finally:
        _stop(worker)
    return LoadResult(
        sent=sent,
        seconds=seconds,
        tokens=collections.Counter(_lines(path)),
        worker_exit=exit_status,
        worker_log=log_path.read_text(),
    )


def environment(*, broker: str, folder: Path, redis_url: str = "") -> dict[str, str]:
    """The environment of the worker and producers: ``broker`` is "embedded" (a broker folder
    inside ``folder``) or "redis" (``redis_url``)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "BROKER_DIR"}
    }
    env.setdefault("DJANGO_SETTINGS_MODULE", "bpo_transition.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    if broker == "redis":
        env["REDIS_URL"] = redis_url
    else:
        env["BROKER_DIR"] = str(folder / "broker")
    return env
