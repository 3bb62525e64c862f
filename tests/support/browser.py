"""The app served on loopback for a real browser (or a real HTTP client), and signing in there."""

import re
import threading

from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.support.factories import PASSWORD
from tests.support.mail import SMTPServer


class LiveServer:
    """The app behind a threaded WSGI server on a free loopback port, mail going to `smtp`."""

    def __init__(self, app, smtp: SMTPServer | None):
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


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form; lands on the portfolio, or on My work when something waits."""
    page.goto(base + "/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"/(home|my-work)$"))
