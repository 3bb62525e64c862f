"""The app served on loopback for a real browser (or a real HTTP client), and signing in there."""

import re
import threading

from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.support.factories import PASSWORD
from tests.support.mail import SMTPServer


class LiveServer:
    """The app behind a threaded WSGI server on a free loopback port, mail going to `smtp`.

    stop() waits for the requests already being answered: a page closing at the end of a test
    sends a last request (a presence heartbeat saying it leaves), and the test's rows must not
    be removed under it. Requests arriving after stop() are refused with 503."""

    def __init__(self, app, smtp: SMTPServer | None):
        self.app = app
        self.smtp = smtp
        self._answering = 0
        self._stopping = False
        self._idle = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._counted, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _counted(self, environ, start_response):
        with self._idle:
            if self._stopping:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The test server is stopping."]
            self._answering += 1
        try:
            return _Answering(self.app(environ, start_response), self._answered)
        except BaseException:
            self._answered()
            raise

    def _answered(self):
        with self._idle:
            self._answering -= 1
            self._idle.notify_all()

    def start(self):
        self._thread.start()

    def stop(self):
        with self._idle:
            self._stopping = True
            self._idle.wait_for(lambda: self._answering == 0, timeout=30)
        self._server.shutdown()
        self._thread.join(5)


class _Answering:
    """A response that counts as answered once its body has been produced or it is closed,
    whichever comes first. Werkzeug closes a response only after draining the request's socket,
    and a browser that resets the connection (a page left at once after posting a form) makes
    that drain raise before close(): counted by close() alone, such a request would keep stop()
    waiting for its whole timeout."""

    def __init__(self, inner, answered):
        self._inner, self._answered, self._done = inner, answered, False

    def __iter__(self):
        try:
            yield from self._inner
        finally:
            self._finish()

    def close(self):
        try:
            if hasattr(self._inner, "close"):
                self._inner.close()
        finally:
            self._finish()

    def _finish(self):
        if not self._done:
            self._done = True
            self._answered()


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form; lands on the portfolio, or on My work when something waits."""
    page.goto(base + "/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/(home|my-work)$"))
