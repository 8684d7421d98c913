import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class OneRequestAtATimeWSGIServer(ThreadedWSGIServer):
    """The live server's request threads all use the test's one in-memory SQLite connection.
    Two requests at once (a page and its htmx bell, say) can deadlock inside SQLite: one
    thread waits for the connection while holding the GIL, the other holds the connection
    and needs the GIL for a function Django registers with SQLite. Requests still arrive on
    their own threads (keep-alive works), but the application runs one at a time, its
    response read to the end inside the lock (streaming bodies query as they go)."""

    def set_app(self, application):
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    if hasattr(result, "close"):
                        result.close()

        super().set_app(one_at_a_time)


@pytest.fixture(scope="session", autouse=True)
def serial_live_server_on_sqlite():
    if connection.vendor != "sqlite":
        yield
        return
    original = LiveServerThread.server_class
    LiveServerThread.server_class = OneRequestAtATimeWSGIServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required on CI")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django's async-safety check must allow ORM
    # calls from the test body around it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    # A loaded CI machine may take longer than Playwright's 5 s to settle a page; wait as
    # long for an expectation as for an action.
    expect.set_options(timeout=30_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        # Every context any test opens reports what the Content-Security-Policy refused.
        open_context = browser.new_context

        def new_context(*args, **kwargs):
            context = open_context(*args, **kwargs)
            context.on("console", _record_csp_violation)
            return context

        browser.new_context = new_context
        yield browser
        browser.close()


CSP_VIOLATIONS: list[str] = []


def _record_csp_violation(message) -> None:
    if "Content Security Policy" in message.text:
        CSP_VIOLATIONS.append(f"{message.location.get('url', '')}: {message.text}")


@pytest.fixture(autouse=True)
def no_csp_violation():
    """A browser test fails when the page needed something the policy refuses (issue 15)."""
    CSP_VIOLATIONS.clear()
    yield
    found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    assert found == [], "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        from playwright.sync_api import Error

        path = ARTIFACTS / f"{name}.png"
        page.wait_for_load_state()
        try:
            page.screenshot(path=str(path), full_page=True)
        except Error as refused:
            # Chromium under a loaded CI machine sometimes answers "Unable to capture
            # screenshot" for a page that has just loaded; the picture is an artifact, not
            # what the test asserts: try once more when the page has settled.
            if "Unable to capture screenshot" not in str(refused):
                raise
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(path), full_page=True)
        return path

    take.folder = ARTIFACTS
    return take
