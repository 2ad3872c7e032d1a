"""Real-browser tests: headless Debian Chromium driven by Playwright.

On a laptop without Chromium they skip with the reason; in CI (``CI`` set)
a missing browser is a failure, never a skip.
"""

import contextlib
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def pictures_with_their_files(monkeypatch):
    """A browser loads the renditions a page names: the factories make them here."""
    from tests import factories

    monkeypatch.setattr(factories, "MAKE_RENDITIONS", True)


class _InFlight:
    """The live server's app, counting the requests it is answering.

    On SQLite the live server's threads share one in-memory connection, so
    two requests at once trip over each other there ("cannot release
    savepoint - SQL statements in progress" when one editor's autosave met
    the other's page load): the app answers them one at a time (``serial``).
    PostgreSQL gives each thread a connection of its own.
    """

    def __init__(self, app, serial=False):
        self.app = app
        self.count = 0
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.serial = threading.Lock() if serial else contextlib.nullcontext()

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
        try:
            with self.serial:
                return self.app(environ, start_response)
        finally:
            with self.lock:
                self.count -= 1
                self.last = time.monotonic()

    def wait_quiet(self, grace=0.5, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count == 0 and time.monotonic() - self.last >= grace:
                    return
            time.sleep(0.05)


@pytest.fixture(autouse=True)
def editing_session_only_where_tested(request, settings):
    """Autosave and presence on the story form only in the tests about them (``@pytest.mark.editing_session``).

    Their requests come on their own (a poll every few seconds, a goodbye when
    a page closes) while the test thread may be using the database: the live
    server shares the test's one in-memory SQLite connection, and a request
    landing in the middle of the test's own queries broke that connection's
    transaction for every later page of the run.
    """
    settings.ARTICLES_EDITING_SESSION = request.node.get_closest_marker("editing_session") is not None


@pytest.fixture(autouse=True)
def server_quiet_before_flush(request):
    """After a test's pages closed, let the requests they sent on leaving finish before the database is emptied.

    An admin story form says goodbye when it closes (articles/admin/editing-session.js:
    its last autosave and "no longer editing", sent as beacons). The live server
    shares one in-memory SQLite connection between its threads, so such a request
    still running while the test's database is flushed makes the flush fail
    ("database table is locked"). Autouse fixtures are set up before ``page`` and
    torn down after it, and before pytest-django's flush.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    app = httpd.get_app()
    if not isinstance(app, _InFlight):
        from django.db import connection

        app = _InFlight(app, serial=connection.vendor == "sqlite")
        httpd.set_app(app)
    yield
    app.wait_quiet()


@pytest.fixture(scope="session")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def wait_until(page, expression, timeout=15):
    """Wait until ``expression`` is true in ``page``, for reader pages.

    Playwright's ``wait_for_function`` polls with a predicate it builds by
    ``eval`` inside the page, which a reader page's Content-Security-Policy
    (no ``'unsafe-eval'``) refuses as soon as the first check is not already
    true. ``page.evaluate`` goes through the browser's debugging protocol,
    which the policy does not govern.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def serve_media(page, live_server):
    """Uploaded files for ``page``: the live server does not serve MEDIA_URL (only DEBUG's urls do)."""
    from django.conf import settings

    page.route(
        f"{live_server.url}{settings.MEDIA_URL}**",
        lambda route: route.fulfill(path=settings.MEDIA_ROOT / route.request.url.split(settings.MEDIA_URL, 1)[1]),
    )


@pytest.fixture
def device_page(chromium, live_server):
    """``device_page(width, scale, height=900)``: a page as a device of that size and pixel density sees it
    (with uploads served); its context closes after the test."""
    contexts = []

    def open_page(width, scale=1, height=900):
        context = chromium.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        serve_media(page, live_server)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# A listener for the page's own document, added before any of its code runs:
# each load or inline script/style the Content-Security-Policy refuses is
# reported as a console error, which Watch collects.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation (${event.disposition}): ${event.effectiveDirective} refused `
    + `${event.blockedURI || "inline"} in ${event.documentURI} at ${event.sourceFile}:${event.lineNumber}`)
})
"""

# A file that is simply missing is a 404, which Chromium also logs as a
# console error; that is no policy matter (nobody serves /favicon.ico).
MISSING_FILE = re.compile(r"^Failed to load resource: the server responded with a status of 404")


class Watch:
    """A browser context whose pages' CSP violations, console errors and script errors are collected."""

    def __init__(self, chromium, expected=MISSING_FILE):
        self.expected = expected
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.problems = []
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.problems.append(f"script error: {error.error}"))

    def _console(self, message):
        if message.type == "error" and not self.expected.match(message.text):
            self.problems.append(f"{message.text} [{message.page.url if message.page else '?'}]")

    def new_page(self):
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        return page

    def close(self):
        self.context.close()


@pytest.fixture
def watch(chromium):
    watch = Watch(chromium)
    yield watch
    watch.close()
