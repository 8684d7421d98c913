"""scripts/run.sh end to end: it serves, shows the demo logins last, stops within 10 s,
restarts a worker that dies (PMO sees a banner meanwhile), and links to the port it serves."""

import contextlib
import datetime
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
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
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "SITE_URL"}
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
def script_environment():
    """Extra variables for ``running_script`` (a test overrides this fixture)."""
    return {}


@pytest.fixture
def running_script(tmp_path, script_environment):
    """scripts/run.sh in a session of its own, serving; its whole group is killed afterwards."""
    port = _free_port()
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(REPO / "scripts" / "run.sh")],
            cwd=REPO,
            env={**_environment(tmp_path, port), **script_environment},
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
        process.port = port
        process.run_dir = tmp_path / "run"
        process.logins = tmp_path / "demo-logins.txt"
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


class Browser:
    """A signed-in demo user, over HTTP, as a person at the keyboard would be."""

    def __init__(self, port: int, logins: Path, username: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        password = next(
            line.split()[2]
            for line in logins.read_text().splitlines()
            if line.split()[0] == username
        )
        page = self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": password}, page)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict, page: str) -> str:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")  # noqa: S310
        request.add_header("Referer", self.base + path)
        with self.opener.open(request, timeout=20) as response:
            return response.read().decode()


def _health(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as refused:
        return json.load(refused)


def _wait(condition, seconds: float, what: str, log_path: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.5)
    pytest.fail(f"Timed out waiting for {what}:\n{log_path.read_text()}")


def _worker_pid(pgid: int) -> int | None:
    """The worker's main process: the celery worker whose parent is not a celery worker."""
    members = {}
    for line in subprocess.run(
        [shutil.which("ps") or "/bin/ps", "-eww", "-o", "pid=,ppid=,pgid=,args="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines():
        pid, ppid, group, args = line.split(None, 3)
        if int(group) == pgid:
            members[int(pid)] = (int(ppid), args)
    for pid, (ppid, args) in members.items():
        parent_args = members.get(ppid, (0, ""))[1]
        if "celery" in args and " worker" in args and " worker" not in parent_args:
            return pid
    return None


@pytest.mark.runscript
@pytest.mark.parametrize(
    "script_environment",
    # Heartbeats every second, stale after four: the minutes of a real installation in seconds.
    # The first restart waits 15 s, so that the banner can be seen before the worker is back.
    [{"HEARTBEAT_SECONDS": "1", "HEARTBEAT_STALE_SECONDS": "4", "RESTART_DELAY": "15"}],
)
def test_a_killed_worker_shows_a_banner_to_pmo_and_is_restarted(running_script):
    process, log_path = running_script
    port = process.port
    _wait(
        lambda: (_health(port)["heartbeats"]["worker"] or {}).get("last_seen"),
        90,
        "the worker's first heartbeat",
        log_path,
    )
    pmo = Browser(port, process.logins, "pmo")
    assert pmo.get("/health/banner/").strip() == ""
    assert 'hx-get="/health/banner/"' in pmo.get("/")

    assert _health(port)["heartbeats"]["beat"]["last_seen"]
    worker = _worker_pid(process.pid)
    assert worker, f"No worker in the group:\n{_group_members(process.pid)}\n{log_path.read_text()}"
    os.kill(worker, signal.SIGKILL)

    _wait(lambda: "!!! worker exited" in log_path.read_text(), 10, "the restart notice", log_path)
    assert re.search(
        r"!!! worker exited \(status 137\) .* restarting it in 15 s", log_path.read_text()
    )
    stale = _wait(
        lambda: _health(port)["heartbeats"]["worker"]["stale"] and _health(port),
        20,
        "the worker's heartbeat to go stale",
        log_path,
    )
    last_seen = datetime.datetime.fromisoformat(stale["heartbeats"]["worker"]["last_seen"])
    banner = pmo.get("/health/banner/")
    # The demo tenant's people live in its time zone.
    shown = re.search(
        r"Reminders are not being sent: the worker has not answered since (\d\d:\d\d)\.", banner
    )
    assert shown, banner
    zone = _demo_time_zone(process)
    assert shown.group(1) == last_seen.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M")
    member = Browser(port, process.logins, "client.lead")
    assert "Reminders are not being sent" not in member.get("/health/banner/")

    # Back after the back-off: a new worker answers and the banner goes.
    _wait(lambda: _worker_pid(process.pid) not in (None, worker), 40, "a new worker", log_path)
    _wait(
        lambda: not _health(port)["heartbeats"]["worker"]["stale"],
        60,
        "a fresh heartbeat",
        log_path,
    )
    assert pmo.get("/health/banner/").strip() == ""


def _demo_time_zone(process) -> str:
    import sqlite3

    database = Path(process.run_dir).parent / "db.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        (zone,) = db.execute(
            "SELECT COALESCE(NULLIF(u.time_zone, ''), t.time_zone) FROM accounts_user u "
            "JOIN accounts_membership m ON m.user_id = u.id "
            "JOIN accounts_tenant t ON t.id = m.tenant_id "
            "WHERE u.username = 'pmo'"
        ).fetchone()
    return zone


@pytest.mark.runscript
def test_calendar_links_point_at_the_port_the_script_serves(running_script):
    process, _log_path = running_script
    site = f"http://127.0.0.1:{process.port}/"
    pmo = Browser(process.port, process.logins, "pmo")
    made = pmo.post("/calendar/", {}, pmo.get("/calendar/"))
    link = re.search(r'id="calendar-link" type="text" value="([^"]+)"', made).group(1)
    assert link.startswith(site), link
    feed = pmo.get(link.removeprefix(site.rstrip("/")))
    urls = [line.removeprefix("URL:") for line in feed.splitlines() if line.startswith("URL:")]
    assert urls, feed[:500]
    assert all(url.startswith(site) for url in urls), [u for u in urls if not u.startswith(site)]
