"""Browser journeys: the app served on loopback, driven by Playwright in Debian's Chromium."""

import os

import pytest

from tests.support.browser import LiveServer
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
    contexts, problems, answered = [], [], []

    def factory(viewport=None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: problems.append(msg) if msg.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("response", lambda response: answered.append(response))
        return page

    yield factory
    for context in contexts:
        context.close()
    assert not (real := unexpected(problems, answered)), f"browser console errors: {real}"


def unexpected(problems: list, answered: list) -> list[str]:
    """The console errors and failed loads a person would notice. A page the test opened on
    purpose that answered 404, a form shown again with its errors (422) or refused with its
    reason (409, or 429 when asked again too soon), is logged by the browser as a failed load
    and is not one; a missing script, style sheet, font or image is,
    and so is a script's request the server failed (5xx)."""
    expected = {r.url for r in answered if r.request.resource_type == "document" and r.status in (404, 409, 422, 429)}
    found = []
    for problem in problems:
        if isinstance(problem, str):
            found.append(problem)
        elif not ("Failed to load resource" in problem.text and problem.location.get("url") in expected):
            found.append(problem.text)
    for response in answered:
        kind = response.request.resource_type
        if (kind in ("script", "stylesheet", "font", "image", "media") and response.status >= 400) or (
                kind in ("fetch", "xhr") and response.status >= 500):
            found.append(f"{response.status} {kind} {response.url}")
    return found
