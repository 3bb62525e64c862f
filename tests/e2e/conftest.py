"""Browser journeys: the app served on loopback, driven by Playwright in Debian's Chromium."""

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.support.mail import SMTPServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


# One browser per test module, not per session: Playwright's sync API leaves its event loop set
# as the thread's running loop while it lives, and with --dist=loadfile a worker may go on to
# other files whose code calls asyncio.run() (PDF signing), which then refuses to start.
@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app, smtp: SMTPServer):
        self.app = app
        self.smtp = smtp
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def live_server(make_app):
    with SMTPServer() as smtp:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        server = LiveServer(app, smtp)
        server.start()
        yield server
        server.stop()


@pytest.fixture
def new_page(browser):
    """new_page() -> a page in its own browser context (a separate person), failing the
    test on any console error or uncaught script error (a CSP violation included)."""
    contexts, problems = [], []

    def factory(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    yield factory
    for context in contexts:
        context.close()
    # A page answered 404, or a form shown again with its errors (422), is logged by the browser
    # as a failed load; neither is a script error.
    real = [p for p in problems if "404 (NOT FOUND)" not in p.upper() and "422 (UNPROCESSABLE ENTITY)" not in p.upper()]
    assert not real, f"browser console errors: {real}"
