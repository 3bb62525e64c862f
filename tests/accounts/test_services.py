from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts import services
from app.accounts.models import PasswordReset, User
from app.audit.models import AuditEvent
from app.extensions import db
from app.rules import RuleViolation
from app.security import hash_token
from app.types import utcnow
from tests.support.factories import PASSWORD, make_organisation_user
from tests.support.mail import file_outbox, first_link


def _sign_up(**overrides):
    values = dict(
        organisation_name="Fabrikam", full_name="Fay Field", email="Fay@Fabrikam.example.com",
        password="a long enough password", time_zone="Europe/Paris",
    )
    values.update(overrides)
    return services.sign_up(**values)


def test_sign_up_creates_the_organisation_and_its_admin(app):
    user = _sign_up()
    db.session.commit()
    assert user.organisation.name == "Fabrikam"
    assert user.is_org_admin
    assert user.email == "fay@fabrikam.example.com"  # stored lower-cased
    assert user.password_hash.startswith("scrypt:")  # werkzeug scrypt, cost from config
    assert user.check_password("a long enough password")
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["account.created", "organisation.created"]


def test_emails_are_unique_whatever_their_case(app):
    _sign_up()
    with pytest.raises(RuleViolation) as error:
        _sign_up(email="FAY@fabrikam.EXAMPLE.com", organisation_name="Other")
    assert error.value.field == "email"


@pytest.mark.parametrize("email", ["not-an-email", "fay@", "@example.com", "fay@@example.com", "fay@example"])
def test_invalid_emails_are_refused_with_a_reason(app, email):
    with pytest.raises(RuleViolation) as error:
        _sign_up(email=email)
    assert error.value.field == "email" and error.value.message


@pytest.mark.parametrize(
    ("password", "accepted"), [("x" * 11, False), ("x" * 12, True), ("y" * 128, True), ("z" * 129, False)]
)
def test_password_length_rules(app, password, accepted):
    if accepted:
        assert _sign_up(password=password).check_password(password)
    else:
        with pytest.raises(RuleViolation) as error:
            _sign_up(password=password)
        assert error.value.field == "password"


def test_unknown_time_zones_are_refused(app):
    with pytest.raises(RuleViolation) as error:
        _sign_up(time_zone="Mars/Olympus_Mons")
    assert error.value.field == "time_zone"


def test_authenticate(app):
    user = make_organisation_user(email="sam@example.com")
    db.session.commit()
    assert services.authenticate("SAM@example.com", PASSWORD) == user
    services.complete_sign_in(user, method="password")
    assert user.last_sign_in_at is not None
    assert services.authenticate("sam@example.com", "wrong password here") is None
    assert services.authenticate("nobody@example.com", PASSWORD) is None
    user.active = False
    assert services.authenticate("sam@example.com", PASSWORD) is None


def test_password_reset_link_is_single_use_and_stored_hashed(app):
    user = make_organisation_user(email="rita@example.com")
    db.session.commit()
    services.request_password_reset("rita@example.com")
    db.session.commit()
    [message] = file_outbox(app)
    assert message["To"] == "rita@example.com"
    token = first_link(message).rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(PasswordReset))
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash

    old_session = user.session_token
    services.reset_password(token, "a brand new passphrase")
    db.session.commit()
    assert user.check_password("a brand new passphrase")
    assert user.session_token != old_session  # other devices are signed out
    with pytest.raises(RuleViolation):
        services.reset_password(token, "yet another passphrase")


def test_password_reset_links_expire(app):
    make_organisation_user(email="rita@example.com")
    db.session.commit()
    services.request_password_reset("rita@example.com")
    db.session.commit()
    token = first_link(file_outbox(app)[0]).rsplit("/", 1)[1]
    reset = db.session.scalar(sa.select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert services.find_password_reset(token) is None
    with pytest.raises(RuleViolation):
        services.reset_password(token, "a brand new passphrase")


def test_password_reset_for_unknown_email_sends_nothing(app):
    services.request_password_reset("ghost@example.com")
    db.session.commit()
    assert file_outbox(app) == []


def test_mail_is_not_sent_when_the_transaction_rolls_back(app):
    make_organisation_user(email="rita@example.com")
    db.session.commit()
    services.request_password_reset("rita@example.com")
    db.session.rollback()
    assert file_outbox(app) == []


def test_changing_email_needs_the_current_password(app):
    user = make_organisation_user(email="old@example.com")
    db.session.commit()
    with pytest.raises(RuleViolation) as error:
        services.update_profile(user, full_name="New Name", email="new@example.com", time_zone="UTC")
    assert error.value.field == "current_password"
    services.update_profile(
        user, full_name="New Name", email="new@example.com", time_zone="Asia/Tokyo", current_password=PASSWORD
    )
    db.session.commit()
    assert (user.full_name, user.email, user.time_zone) == ("New Name", "new@example.com", "Asia/Tokyo")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.updated"))
    assert event.details["email"] == ["old@example.com", "new@example.com"]


def test_changing_email_to_one_in_use_is_refused(app):
    make_organisation_user(email="taken@example.com")
    user = make_organisation_user(email="me@example.com")
    with pytest.raises(RuleViolation) as error:
        services.update_profile(
            user, full_name="Me", email="taken@example.com", time_zone="UTC", current_password=PASSWORD
        )
    assert error.value.field == "email"


def test_change_password_checks_the_current_one(app):
    user = make_organisation_user()
    with pytest.raises(RuleViolation) as error:
        services.change_password(user, current_password="not my password", new_password="a brand new passphrase")
    assert error.value.field == "current_password"
    with pytest.raises(RuleViolation) as error:
        services.change_password(user, current_password=PASSWORD, new_password="short")
    assert error.value.field == "new_password"
    services.change_password(user, current_password=PASSWORD, new_password="a brand new passphrase")
    assert user.check_password("a brand new passphrase")


def test_user_ids_carry_the_session_token(app):
    user = make_organisation_user()
    db.session.commit()
    first = user.get_id()
    user.rotate_session_token()
    assert user.get_id() != first and user.get_id().startswith(f"{user.id}:")
    assert isinstance(db.session.get(User, user.id), User)
