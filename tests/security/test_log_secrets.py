"""Logs never contain passwords, link tokens, TOTP secrets, recovery codes or session cookies.

A full journey runs against a real server (request lines logged, as in production)
with SMTP configured (the production setting; the local fallback logs whole emails on
purpose, see app/logs.py) and every logger at DEBUG. Then every secret used is looked
for in everything logged.
"""

import logging
import re

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from tests.support.browser import LiveServer
from tests.support.http import Browser
from tests.support.mail import SMTPServer, first_link

# The test's own SMTP server logs what it receives; that is not the app's log.
NOT_THE_APP = ("mail.log",)


@pytest.fixture
def server(make_app):
    with SMTPServer() as smtp:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, LOG_LEVEL="DEBUG")
        live = LiveServer(app, smtp)
        live.start()
        yield live
        live.stop()


def _link_token(smtp, to: str) -> str:
    assert smtp.arrived.wait(10)
    smtp.arrived.clear()
    return first_link(smtp.to(to)[-1]).rsplit("/", 1)[1]


def test_a_full_journey_leaves_no_secret_in_the_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its own loggers at WARNING unless an operator turns SQL logging on:
    # do that too, as someone debugging production would.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    base, smtp = server.url, server.smtp
    secrets_used: set[str] = set()
    sessions: set[str] = set()

    def keep_session(browser):
        if browser.cookie("jointly_session"):
            sessions.add(browser.cookie("jointly_session"))

    passwords = {
        "fay": "fay's first passphrase",
        "fay2": "fay's second passphrase",
        "fay3": "fay's third passphrase",
        "will": "will's own passphrase",
    }
    secrets_used.update(passwords.values())

    fay = Browser(base)
    signup = {"organisation_name": "Fabrikam", "full_name": "Fay Field", "email": "fay@fabrikam.example.com"}
    assert fay.submit("/signup", {**signup, "password": passwords["fay"], "time_zone": "UTC"}).status == 302
    keep_session(fay)
    fay.submit("/signout", {}, page="/home")
    answer = fay.submit("/signin", {"email": "fay@fabrikam.example.com", "password": passwords["fay"], "remember": "y"})
    assert answer.location == "/home"
    keep_session(fay)

    new = {"name": "Cold Chain", "type": "key_supplier", "purpose": "Chilled goods.", "start_date": "2025-01-01"}
    answer = fay.submit("/partnerships/new", {**new, "review_cadence_months": "3"})
    partnership = answer.location
    invite = {"invite_as": "new_party", "email": "will@wingtip.example.com", "organisation_name": "Wingtip"}
    fay.submit(partnership + "/invitations/new", {**invite, "role": "admin"})
    invitation_token = _link_token(smtp, "will@wingtip.example.com")
    secrets_used.add(invitation_token)

    will = Browser(base)
    assert will.get(f"/invitations/{invitation_token}").status == 200
    answer = will.submit(
        f"/invitations/{invitation_token}/signup",
        {"full_name": "Will Wing", "organisation_name": "Wingtip", "password": passwords["will"], "time_zone": "UTC"},
        page=f"/invitations/{invitation_token}",
    )
    assert answer.location == partnership
    keep_session(will)

    fay.submit("/password/forgot", {"email": "fay@fabrikam.example.com"})
    reset_token = _link_token(smtp, "fay@fabrikam.example.com")
    secrets_used.add(reset_token)
    answer = fay.submit(f"/password/reset/{reset_token}", {"password": passwords["fay2"], "confirm": passwords["fay2"]})
    assert answer.location == "/home"
    keep_session(fay)

    fay.submit("/account/two-factor/setup", {}, page="/account/two-factor")
    page = fay.get("/account/two-factor/setup").text
    secret = re.sub(r"\s", "", re.search(r'class="secret"[^>]*>([^<]+)<', page).group(1))
    secrets_used.update({secret, re.search(r'class="secret"[^>]*>([^<]+)<', page).group(1).strip()})
    code = {"code": pyotp.TOTP(secret).now()}
    page = fay.submit("/account/two-factor/confirm", code, page="/account/two-factor/setup")
    recovery_codes = re.findall(r"<code>([a-z0-9-]{19})</code>", page.text)
    assert len(recovery_codes) == 10
    secrets_used.update(recovery_codes)

    fay.submit("/signout", {}, page="/home")
    answer = fay.submit("/signin", {"email": "fay@fabrikam.example.com", "password": passwords["fay2"]})
    assert answer.location == "/signin/two-factor"
    with server.app.app_context():  # as if the enrolment code were 30 seconds old
        db.session.execute(sa.update(User).where(User.email == "fay@fabrikam.example.com").values(totp_last_step=None))
        db.session.commit()
    assert fay.submit("/signin/two-factor", {"code": pyotp.TOTP(secret).now()}).location == "/home"
    keep_session(fay)
    fay.submit("/signout", {}, page="/home")
    fay.submit("/signin", {"email": "fay@fabrikam.example.com", "password": passwords["fay2"]})
    assert fay.submit("/signin/two-factor", {"code": recovery_codes[3]}).location == "/home"
    keep_session(fay)
    answer = fay.submit(
        "/account/password",
        {
            "password-current_password": passwords["fay2"],
            "password-new_password": passwords["fay3"],
            "password-confirm": passwords["fay3"],
        },
        page="/account",
        csrf_field="password-csrf_token",
    )
    assert answer.status == 302
    keep_session(fay)
    # The calendar address: created, shown, fetched without a session, and a wrong one.
    fay.submit("/account/calendar", {}, page="/account")
    feed_url = re.search(r'id="calendar-url" type="text" value="([^"]+)"', fay.get("/account").text).group(1)
    feed_path = "/" + feed_url.split("/", 3)[3]
    feed_token = feed_path.removeprefix("/calendar/").removesuffix(".ics")
    secrets_used.add(feed_token)
    assert Browser(base).get(feed_path).status == 200
    assert Browser(base).get(feed_path.replace(feed_token[:8], "x" * 8)).status == 404
    # A failed sign-in and an error page, too.
    fay.submit("/signout", {}, page="/home")
    fay.submit("/signin", {"email": "fay@fabrikam.example.com", "password": "a wrong passphrase here"})
    fay.get(f"/password/reset/{reset_token}")

    with server.app.app_context():
        secrets_used.update(db.session.scalars(sa.select(User.session_token)))
    secrets_used.update(sessions)
    assert len(sessions) >= 5

    records = [r for r in caplog.records if not r.name.startswith(NOT_THE_APP)]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in records)
    assert "GET /calendar/[redacted].ics" in logged
    assert "GET /invitations/[redacted]" in logged and "POST /signin" in logged  # request lines were logged
    assert "Sent mail to will@wingtip.example.com" in logged and "INSERT INTO user_account" in logged
    leaked = sorted(s for s in secrets_used if s in logged)
    assert leaked == [], f"secrets found in the logs: {leaked}"
    assert "scrypt:" not in logged  # no password hash either
