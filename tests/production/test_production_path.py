"""The production path, walked as the Dockerfile walks it (issue 15).

``collectstatic`` and ``migrate`` with the production settings, the demo loaded, gunicorn
serving ``bpo_transition.wsgi`` and a Celery worker (it renders the PDF) with those settings,
behind a TLS-terminating proxy (every request says ``X-Forwarded-Proto: https``, as the proxy
in front of the container does), then
Chromium through it: sign in, the portfolio, an engagement, a refusal in a row, the API, a
review report and its PDF, the API docs. Any 500, console error, page error or
Content-Security-Policy violation fails it.

Deselected by default (it builds static files and starts gunicorn): CI runs it in a step of
its own, ``pytest --production -m production tests/production``. On CI it uses the databases
named by PRODUCTION_DATABASE_URL and PRODUCTION_REDIS_URL; without them, a SQLite file and the
embedded broker in a temporary folder. Screenshots at 1280 and 390 px go to
test-artifacts/production/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.production

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ARTIFACTS / "production"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

# Publishes the demo's day-14 review (its one miss explained), as PMO would on its page, so
# that there is a report and a PDF to fetch; prints the ids the walk needs.
PUBLISH_A_REVIEW = """
import datetime, json
from accounts.models import Tenant, User
from kernel.tenancy import tenant_context
from reporting.models import Review, ReviewKpiResult
from reporting.reviews import explain_miss, publish_review, refresh_review
pmo = User.objects.get(username="pmo")
with tenant_context(Tenant.objects.get(slug="demo")):
    reviews = Review.objects.filter(engagement__name="Contact centre launch")
    review = reviews.filter(status="published").order_by("day").first()
    if review is None:
        review = reviews.get(day=14)
        refresh_review(actor=pmo, review=review)
        for result in ReviewKpiResult.objects.filter(review=review, met=False):
            explain_miss(
                actor=pmo,
                result=result,
                root_cause="New agents still learning the dialler",
                corrective_action="Pair each new agent with a senior for a week",
                action_owner=pmo,
                action_due=review.scheduled_on + datetime.timedelta(days=7),
            )
        publish_review(actor=pmo, review=review)
    print(json.dumps({
        "engagement": str(review.engagement.public_id), "review": str(review.public_id)
    }))
"""

# What the page records about itself: each Content-Security-Policy violation, as it happens.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@dataclass
class Server:
    origin: str
    passwords: dict[str, str]
    token: str
    engagement: str
    review: str
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def fetch(url: str, headers: dict | None = None):
    """urllib without following redirects: (status, headers, body)."""

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirects)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our own server
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bpo_transition.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The browser's origin: the proxy would make it https://transition.example.com.
        CSRF_TRUSTED_ORIGINS=origin,
        SITE_URL=origin,
        DATABASE_URL=os.environ.get("PRODUCTION_DATABASE_URL")
        or f"sqlite:///{folder / 'db.sqlite3'}",
        STATIC_ROOT=str(folder / "staticfiles"),
        MEDIA_ROOT=str(folder / "media"),
        BROKER_DIR=str(folder / "broker"),
        DEMO_CREDENTIALS_FILE=str(folder / "demo-logins.txt"),
        PYTHONUNBUFFERED="1",
    )
    if os.environ.get("PRODUCTION_REDIS_URL"):
        env["REDIS_URL"] = os.environ["PRODUCTION_REDIS_URL"]

    # As the Dockerfile's RUN step, then its one-shot migrate service.
    collected = manage(env, "collectstatic", "--noinput")
    assert "post-processed" in collected
    assert (folder / "staticfiles" / "staticfiles.json").exists()
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    passwords = {
        line.split()[0]: line.split()[-1]
        for line in (folder / "demo-logins.txt").read_text().splitlines()
        if line.strip()
    }
    ids = json.loads(manage(env, "shell", "-c", PUBLISH_A_REVIEW).strip().splitlines()[-1])
    issued = manage(
        env, "api_token", "create", "--tenant", "demo", "--user", "admin", "--read-only"
    )
    token = re.search(r"shown once: (\S+)", issued)[1]

    log = folder / "gunicorn.log"
    with log.open("w") as output:
        gunicorn = subprocess.Popen(  # the image's CMD, on a free port
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bpo_transition.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # The compose file's worker service: the review PDF is rendered by a task.
    worker_log = folder / "worker.log"
    with worker_log.open("w") as output:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bpo_transition",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _headers, _body = fetch(f"{origin}/healthz")
            except OSError:
                status = None
            if status == 200:
                break
            assert gunicorn.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"/healthz answered {status}:\n{log.read_text()}"
            time.sleep(0.5)
        yield Server(origin, passwords, token, ids["engagement"], ids["review"], log)
    finally:
        for process in (gunicorn, worker):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert "Traceback" not in log.read_text(), log.read_text()
    assert "Traceback" not in worker_log.read_text(), worker_log.read_text()


def test_the_server_answers_as_production_behind_its_proxy(server):
    # Straight to gunicorn, as a plain-HTTP request: sent to HTTPS (only /healthz is exempt).
    status, headers, _ = fetch(f"{server.origin}/accounts/login/")
    assert status == 301
    assert headers["Location"].startswith("https://")
    # Through the proxy.
    status, headers, body = fetch(f"{server.origin}/accounts/login/", PROXY_HEADERS)
    assert status == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "Secure" in headers["Set-Cookie"]  # the CSRF cookie
    # Every asset the page names is served from the manifest; stylesheets and scripts compressed.
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', body)
    assert assets and all(re.search(rb"\.[0-9a-f]{12}\.\w+$", asset) for asset in assets)
    for asset in assets:
        status, headers, _ = fetch(
            server.origin + asset.decode(), {**PROXY_HEADERS, "Accept-Encoding": "gzip"}
        )
        assert status == 200, asset
        if asset.endswith((b".css", b".js")):  # an icon's PNG does not compress: served as is
            assert headers["Content-Encoding"] == "gzip", asset
        assert "immutable" in headers["Cache-Control"], asset


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required on CI")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


class Watch:
    """Everything the browser reports that a person should never meet."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        self.allowed_statuses: set[int] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message):
        if message.type not in {"error", "warning"}:
            return
        text = message.text
        # A refusal answered 409 on purpose: the browser logs the status of every request.
        if any(f"status of {status}" in text for status in self.allowed_statuses):
            return
        where = message.location.get("url") or self.page.url
        self.problems.append(f"console {message.type} on {self.page.url} ({where}): {text}")

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.url}")

    def check(self, step: str):
        violations = self.page.evaluate("window.__cspViolations || []")
        self.problems += [f"{step}: CSP {violation}" for violation in violations]
        assert self.problems == [], f"{step}: {self.problems}"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_person_walks_the_production_server(server, browser, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 500 else 844},
        is_mobile=width < 500,
        extra_http_headers=PROXY_HEADERS,
        accept_downloads=True,
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    watch = Watch(page)

    def shot(name):
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)

    origin = server.origin
    engagement_url = f"{origin}/engagements/{server.engagement}/"

    page.goto(f"{origin}/accounts/login/")
    shot("01-sign-in")
    page.get_by_label("Username").fill("pmo")
    page.get_by_label("Password").fill(server.passwords["pmo"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{origin}/")
    page.get_by_role("link", name="Contact centre launch").first.wait_for()
    page.wait_for_load_state("networkidle")  # the bell's htmx request
    assert page.locator(".progress-bar").first.evaluate("bar => bar.style.width") != ""
    watch.check("portfolio")
    shot("02-portfolio")

    page.goto(engagement_url)
    page.get_by_role("heading", name="Contact centre launch").wait_for()
    watch.check("engagement")
    shot("03-engagement")

    # A refusal in the row: the day-90 summary (the demo's one open milestone) needs evidence.
    title = "90-day summary and forward plan"
    row = page.locator("tr.milestone-row").filter(has_text=title)
    row.get_by_text("Change").click()
    row.get_by_label(f"New status of {title}").select_option("done")
    watch.allowed_statuses = {400, 409}
    row.get_by_role("button", name="Save", exact=True).click()
    alert = page.locator("tr.milestone-row").filter(has_text=title).get_by_role("alert")
    alert.wait_for()
    assert "be done" in alert.inner_text()  # needs evidence, or its dependencies, first
    watch.allowed_statuses = set()
    watch.check("refusal in a row")
    alert.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"04-refusal-{width}.png"))

    # The published review's report, its PDF made once, then downloaded.
    page.goto(f"{engagement_url}kpis/reports/{server.review}/")
    generate = page.get_by_role("button", name="Generate the PDF")
    if generate.count():
        generate.click()
    download_link = page.get_by_role("link", name="Download the PDF")
    download_link.wait_for()
    page.locator("svg.kpi-chart >> visible=true").first.wait_for()  # one size per width
    watch.check("report")
    shot("05-report")
    pdf = context.request.get(origin + download_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # The API, with a token, as another system calls it; and its docs.
    answer = context.request.get(
        f"{origin}/api/v1/engagements/", headers={"Authorization": f"Bearer {server.token}"}
    )
    assert answer.status == 200, answer.text()
    names = {engagement["name"] for engagement in answer.json()["results"]}
    assert "Contact centre launch" in names
    page.goto(f"{origin}/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    watch.check("API docs")
    shot("06-api-docs")

    context.close()
