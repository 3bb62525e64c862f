"""Two-factor sign-in: enrolment with a QR code, codes that work once, recovery codes,
turning it off, and organisations that require it."""

import re

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts import two_factor
from app.accounts.models import RecoveryCode, User
from app.audit.models import AuditEvent
from app.extensions import db
from app.rules import RuleViolation
from tests.support.factories import PASSWORD, enable_two_factor, make_colleague, make_organisation_user, totp_code


def _actions():
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq))]


def test_enrolment_shows_a_qr_code_and_turns_on_only_with_a_right_code(app, client):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    client.sign_in("sam@example.com", PASSWORD)
    assert "Set up two-factor sign-in" in client.get("/account/two-factor").get_data(as_text=True)
    assert client.get("/account/two-factor/setup").status_code == 302  # nothing being set up yet
    assert client.submit("/account/two-factor/setup").headers["Location"] == "/account/two-factor/setup"
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page and 'class="qr"' in page and "style=" not in page
    db.session.refresh(user)
    secret = user.totp_secret
    assert secret and re.sub(r"\s", "", re.search(r'class="secret"[^>]*>([^<]+)<', page).group(1)) == secret

    wrong = client.submit("/account/two-factor/confirm", {"code": "000000"}).get_data(as_text=True)
    assert "does not match" in wrong
    db.session.refresh(user)
    assert not user.two_factor_enabled

    page = client.submit("/account/two-factor/confirm", {"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.two_factor_enabled
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert "account.two_factor_enabled" in _actions()


def test_sign_in_asks_for_the_code_before_the_session_starts(app, client):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    enable_two_factor(user)
    response = client.submit("/signin?next=/account", {"email": "sam@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/signin/two-factor"
    assert client.get("/account").status_code == 302  # not signed in yet
    assert "does not match" in client.submit("/signin/two-factor", {"code": "123456"}).get_data(as_text=True)
    response = client.submit("/signin/two-factor", {"code": totp_code(user)})
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.signed_in"))
    assert event.details == {"method": "totp"}


def test_a_code_works_only_once(app):
    user = make_organisation_user()
    db.session.commit()
    enable_two_factor(user)
    code = totp_code(user)
    assert two_factor.verify_second_factor(user, code) == "totp"
    assert two_factor.verify_second_factor(user, code) is None


def test_recovery_codes_work_once_each(app, client):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    _secret, codes = enable_two_factor(user)
    client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    response = client.submit("/signin/two-factor", {"code": codes[0].upper()})
    assert response.status_code == 302 and "recovery code" in client.get("/home").get_data(as_text=True)
    client.sign_out()
    client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    assert client.submit("/signin/two-factor", {"code": codes[0]}).status_code == 422  # refused
    assert two_factor.remaining_recovery_codes(user) == 9
    assert "account.recovery_code_used" in _actions()


def test_the_code_step_expires_and_needs_the_password_first(app, client):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    enable_two_factor(user)
    response = client.submit("/signin/two-factor", {"code": totp_code(user)})
    assert response.headers["Location"] == "/signin"
    client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    with client.session_transaction() as session:
        session["_two_factor"] = {**session["_two_factor"], "at": session["_two_factor"]["at"] - 6 * 60}
    assert client.submit("/signin/two-factor", {"code": totp_code(user)}).headers["Location"] == "/signin"


def test_turning_off_needs_password_and_code_and_signs_out_other_devices(app):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    enable_two_factor(user)
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
        client.submit("/signin/two-factor", {"code": totp_code(user)})
    bad = laptop.submit(
        "/account/two-factor/disable",
        {"disable-password": "not my password", "disable-code": totp_code(user)},
        csrf_field="disable-csrf_token",
    )
    assert "not your current password" in bad.get_data(as_text=True)
    response = laptop.submit(
        "/account/two-factor/disable",
        {"disable-password": PASSWORD, "disable-code": totp_code(user)},
        csrf_field="disable-csrf_token",
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert laptop.get("/account").status_code == 200 and phone.get("/account").status_code == 302
    assert "account.two_factor_disabled" in _actions()


def test_new_recovery_codes_replace_the_old(app, client):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    _secret, old = enable_two_factor(user)
    client.submit("/signin", {"email": "sam@example.com", "password": PASSWORD})
    client.submit("/signin/two-factor", {"code": totp_code(user)})
    page = client.submit(
        "/account/two-factor/recovery-codes", {"codes-password": PASSWORD}, csrf_field="codes-csrf_token"
    ).get_data(as_text=True)
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", page)
    assert len(new) == 10
    with pytest.raises(RuleViolation):
        two_factor.disable(user, password=PASSWORD, code=old[0])
    assert "account.recovery_codes_regenerated" in _actions()


def test_password_reset_still_asks_for_the_second_factor(app, client):
    from tests.support.mail import file_outbox, first_link

    user = make_organisation_user(email="rita@example.com")
    db.session.commit()
    enable_two_factor(user)
    client.submit("/password/forgot", {"email": "rita@example.com"})
    path = first_link(file_outbox(app)[0]).replace("http://localhost", "")
    response = client.submit(path, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.headers["Location"] == "/signin/two-factor"
    assert client.get("/account").status_code == 302
    assert client.submit("/signin/two-factor", {"code": totp_code(user)}).status_code == 302
    assert client.get("/account").status_code == 200


def test_an_organisation_can_require_it_and_members_enrol_before_anything_else(app, client_as):
    admin = make_organisation_user("Fabrikam", email="fay@fabrikam.example.com")
    colleague = make_colleague(admin.organisation, email="cole@fabrikam.example.com")
    db.session.commit()
    admin_client = client_as(admin)
    response = admin_client.submit("/organisation", {"name": "Fabrikam", "require_two_factor": "y"})
    assert response.status_code == 302
    assert admin_client.get("/home").headers["Location"] == "/account/two-factor"  # the admin too

    cole = app.test_client()
    response = cole.submit("/signin", {"email": "cole@fabrikam.example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/account/two-factor"
    for path in ("/home", "/account", "/partnerships/new", "/organisation"):
        assert cole.get(path).headers["Location"] == "/account/two-factor", path
    assert cole.submit("/partnerships/new", {"name": "x"}).headers["Location"] == "/account/two-factor"
    assert "requires two-factor sign-in" in cole.get("/account/two-factor").get_data(as_text=True)
    cole.submit("/account/two-factor/setup")
    db.session.refresh(colleague)
    cole.submit("/account/two-factor/confirm", {"code": pyotp.TOTP(colleague.totp_secret).now()})
    assert cole.get("/home").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
    assert event.details == {"require_two_factor": [False, True]}


def test_the_qr_code_is_inline_svg_without_styles():
    svg = two_factor.qr_svg("otpauth://totp/Jointly:sam%40example.com?secret=ABC&issuer=Jointly")
    assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg


def test_users_without_two_factor_see_it_off(app):
    user = make_organisation_user()
    db.session.commit()
    assert not user.two_factor_enabled
    assert two_factor.verify_second_factor(user, "123456") is None
    assert db.session.get(User, user.id).totp_secret is None
