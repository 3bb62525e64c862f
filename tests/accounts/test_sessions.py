"""Session limits: idle and absolute timeouts enforced on the server, for plain and kept sessions."""

import time

import pytest

from app.accounts.session import AUTH_AT, SEEN_AT
from app.extensions import db
from tests.support.factories import PASSWORD, make_organisation_user


@pytest.fixture
def signed_in(app):
    make_organisation_user(email="sam@example.com")
    db.session.commit()

    def factory(remember=False):
        client = app.test_client()
        data = {"email": "sam@example.com", "password": PASSWORD}
        if remember:
            data["remember"] = "y"
        assert client.submit("/signin", data).status_code == 302
        return client

    return factory


def _age(client, *, auth_ago: float = 0, seen_ago: float = 0):
    now = time.time()
    with client.session_transaction() as session:
        session[AUTH_AT] = int(now - auth_ago)
        session[SEEN_AT] = int(now - seen_ago)


def test_an_idle_session_ends_after_two_hours_by_default(signed_in):
    client = signed_in()
    _age(client, auth_ago=3600, seen_ago=2 * 3600 - 60)
    assert client.get("/account").status_code == 200
    _age(client, auth_ago=3600, seen_ago=2 * 3600 + 60)
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "without activity" in page and "Please sign in to continue" not in page


def test_activity_keeps_a_session_alive_but_not_beyond_the_absolute_limit(signed_in):
    client = signed_in()
    _age(client, auth_ago=11 * 3600, seen_ago=30)
    assert client.get("/account").status_code == 200
    _age(client, auth_ago=12 * 3600 + 60, seen_ago=30)
    assert client.get("/account").status_code == 302
    assert client.get("/account").status_code == 302  # the session is gone, not just refused once


def test_use_moves_the_idle_clock(signed_in):
    client = signed_in()
    _age(client, auth_ago=3600, seen_ago=3600)
    client.get("/account")
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < 5


def test_limits_are_configurable(make_app):
    from datetime import timedelta

    app = make_app(SESSION_IDLE_TIMEOUT=timedelta(minutes=5), SESSION_ABSOLUTE_TIMEOUT=timedelta(hours=1))
    with app.app_context():
        make_organisation_user(email="kim@example.com")
        db.session.commit()
    client = app.test_client()
    client.sign_in("kim@example.com", PASSWORD)
    _age(client, auth_ago=60, seen_ago=6 * 60)
    assert client.get("/account").status_code == 302


def test_kept_sessions_have_longer_limits_that_use_never_extends(signed_in):
    client = signed_in(remember=True)
    _age(client, auth_ago=3 * 86400, seen_ago=2 * 86400)
    assert client.get("/account").status_code == 200
    _age(client, auth_ago=3 * 86400, seen_ago=8 * 86400)
    assert client.get("/account").status_code == 302
    client = signed_in(remember=True)
    _age(client, auth_ago=31 * 86400, seen_ago=60)
    assert client.get("/account").status_code == 302


def test_a_session_without_timestamps_is_not_trusted(signed_in):
    client = signed_in()
    with client.session_transaction() as session:
        del session[AUTH_AT]
    assert client.get("/account").status_code == 302


def test_an_old_remember_me_cookie_cannot_start_a_session(app, signed_in):
    from app.accounts.models import User

    user = db.session.scalar(db.select(User))
    client = app.test_client()
    # A browser still holding a remember-me cookie from before sessions had limits.
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        value = encode_cookie(user.get_id())
    client.set_cookie("jointly_remember", value)
    assert client.get("/account").status_code == 302


def test_the_session_id_changes_at_sign_in(app):
    make_organisation_user(email="sam@example.com")
    db.session.commit()
    client = app.test_client()
    client.get("/signin")
    before = client.get_cookie("jointly_session").value
    client.sign_in("sam@example.com", PASSWORD)
    after = client.get_cookie("jointly_session").value
    assert before != after
