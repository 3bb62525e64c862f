"""Failed sign-ins are throttled per account and per address; successes do not count."""

import pytest

from app.extensions import db
from tests.support.factories import PASSWORD, enable_two_factor, make_organisation_user


@pytest.fixture
def limited(make_app):
    def factory(**limits):
        app = make_app(RATELIMIT_ENABLED=True, **limits)
        with app.app_context():
            make_organisation_user(email="sam@example.com")
            make_organisation_user(email="kim@example.com")
            db.session.commit()
        return app

    return factory


WRONG = "wrong password!!"


def _try(client, email, password=WRONG, **kwargs):
    return client.submit("/signin", {"email": email, "password": password}, **kwargs)


def test_successful_sign_ins_do_not_count(limited):
    app = limited(SIGNIN_LIMIT_PER_ACCOUNT="2 per minute", SIGNIN_LIMIT_PER_IP="2 per minute")
    client = app.test_client()
    for _ in range(4):
        assert _try(client, "sam@example.com", PASSWORD).status_code == 302
        client.sign_out()


def test_failures_per_account_are_limited_whatever_the_address(limited):
    app = limited(SIGNIN_LIMIT_PER_ACCOUNT="3 per minute", SIGNIN_LIMIT_PER_IP="100 per minute")
    for n in range(3):
        client = app.test_client()
        response = _try(client, "SAM@example.com", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert response.status_code == 422
    response = _try(app.test_client(), "sam@example.com", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many" in page and "Traceback" not in page
    # Another account is not locked out by sam's failures.
    assert _try(app.test_client(), "kim@example.com", PASSWORD).status_code == 302


def test_failures_per_address_are_limited_across_accounts(limited):
    app = limited(SIGNIN_LIMIT_PER_ACCOUNT="100 per minute", SIGNIN_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        assert _try(client, email).status_code == 422
    assert _try(client, "kim@example.com", PASSWORD).status_code == 429
    other = app.test_client()
    assert _try(other, "kim@example.com", PASSWORD, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_wrong_two_factor_codes_count_against_the_same_account(limited):
    app = limited(SIGNIN_LIMIT_PER_ACCOUNT="3 per minute", SIGNIN_LIMIT_PER_IP="100 per minute")
    with app.app_context():
        from app.accounts.models import User

        enable_two_factor(db.session.scalar(db.select(User).where(User.email == "sam@example.com")))
    client = app.test_client()
    assert _try(client, "sam@example.com").status_code == 422  # one wrong password
    assert _try(client, "sam@example.com", PASSWORD).headers["Location"] == "/signin/two-factor"
    assert client.submit("/signin/two-factor", {"code": "000000"}).status_code == 422
    assert client.submit("/signin/two-factor", {"code": "000001"}).status_code == 422
    assert client.submit("/signin/two-factor", {"code": "000002"}).status_code == 429
