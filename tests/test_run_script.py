"""scripts/run.sh end to end: it serves, shows the demo logins last, and stops within 10 s."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120
STOP_TIMEOUT = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(tmp_path: Path, port: int) -> dict[str, str]:
    """SQLite and the folder broker in tmp_path, whatever CI's environment points at."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        BROKER_DIR=str(tmp_path / "broker"),
        RUN_DIR=str(tmp_path / "run"),
        DEMO_CREDENTIALS_FILE=str(tmp_path / "demo-logins.txt"),
    )
    return env


def _group_members(pgid: int) -> list[str]:
    """The processes still in the group, zombies excepted (nobody is left to reap them)."""
    ps = shutil.which("ps") or "/bin/ps"
    listing = subprocess.run(
        [ps, "-e", "-o", "pid=,pgid=,stat=,args="], capture_output=True, text=True, check=True
    ).stdout
    members = []
    for line in listing.splitlines():
        pid, group, stat, *args = line.split(None, 3)
        if int(group) == pgid and not stat.startswith("Z"):
            members.append(f"{pid} {' '.join(args)}")
    return members


def _answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


@pytest.fixture
def running_script(tmp_path):
    """scripts/run.sh in a session of its own, serving; its whole group is killed afterwards."""
    port = _free_port()
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(REPO / "scripts" / "run.sh")],
            cwd=REPO,
            env=_environment(tmp_path, port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None:
                pytest.fail(f"run.sh exited with {process.returncode}:\n{log_path.read_text()}")
            if time.monotonic() > deadline:
                output = log_path.read_text()
                pytest.fail(f"No answer on port {port} in {START_TIMEOUT}s:\n{output}")
            time.sleep(0.5)
        yield process, log_path
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _stops_within_deadline(process, log_path: Path, sig: signal.Signals) -> None:
    pgid = process.pid
    os.killpg(pgid, sig)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        process.poll()
        if not _group_members(pgid):
            return
        time.sleep(0.2)
    left = "\n".join(_group_members(pgid))
    pytest.fail(f"Still running {STOP_TIMEOUT}s after {sig.name}:\n{left}\n{log_path.read_text()}")


@pytest.mark.runscript
def test_sigterm_to_the_process_group_stops_everything_within_ten_seconds(running_script):
    process, log_path = running_script
    _stops_within_deadline(process, log_path, signal.SIGTERM)


@pytest.mark.runscript
def test_ctrl_c_stops_everything_within_ten_seconds(running_script):
    process, log_path = running_script
    _stops_within_deadline(process, log_path, signal.SIGINT)


@pytest.mark.runscript
def test_demo_logins_with_roles_are_the_last_lines_before_the_server_log(running_script):
    _process, log_path = running_script
    lines = log_path.read_text().splitlines()
    shown = len(lines) - 1 - lines[::-1].index("Demo logins:")
    logins = [line.split() for line in lines[shown + 1 : shown + 6]]
    assert [parts[:2] for parts in logins] == [
        ["admin", "Admin"],
        ["pmo", "PMO"],
        ["client.lead", "Member"],
        ["provider.lead", "Member"],
        ["provider.b", "Member"],
    ]
    assert all(len(parts) == 3 for parts in logins)
    server_log = [
        number
        for number, line in enumerate(lines)
        if line.startswith(("Watching for file changes", "Performing system checks", "Starting"))
    ]
    assert server_log and min(server_log) > shown + 5
