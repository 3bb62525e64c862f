"""Accounts: signing up, signing in, resetting and changing passwords, profiles.

Functions take explicit arguments, flush their changes and record audit events;
the caller commits.
"""

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from app.accounts.models import Organisation, PasswordReset, User
from app.accounts.passwords import password_problem
from app.audit.services import record_event
from app.extensions import db
from app.formatting import is_time_zone
from app.inputs import has_control_characters
from app.mail import external_url, queue_mail
from app.rules import RuleViolation
from app.security import hash_token, new_token
from app.types import utcnow

# Checked when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = None


def normalise_email(email: str, field: str = "email") -> str:
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise RuleViolation(str(error), field) from None
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain}".lower()


def find_user_by_email(email: str) -> User | None:
    email = email.strip().lower()
    if has_control_characters(email):  # no address holds them, and the database could not compare them
        return None
    return db.session.scalar(sa.select(User).where(User.email == email))


def _check_password(password: str, field: str = "password") -> None:
    problem = password_problem(password)
    if problem:
        raise RuleViolation(problem, field)


def _check_time_zone(time_zone: str) -> None:
    if not is_time_zone(time_zone):
        raise RuleViolation("Choose a time zone from the list.", "time_zone")


def create_user(
    organisation: Organisation,
    *,
    full_name: str,
    email: str,
    password: str,
    time_zone: str = "UTC",
    is_org_admin: bool = False,
) -> User:
    email = normalise_email(email)
    _check_password(password)
    _check_time_zone(time_zone)
    if find_user_by_email(email) is not None:
        raise RuleViolation("An account with this email already exists. Sign in instead.", "email")
    user = User(
        organisation=organisation,
        full_name=full_name.strip(),
        email=email,
        time_zone=time_zone,
        is_org_admin=is_org_admin,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("account.created", actor=user, obj=user, details={"email": email})
    return user


def sign_up(*, organisation_name: str, full_name: str, email: str, password: str, time_zone: str) -> User:
    """A new organisation with its first user, who administers it."""
    organisation = Organisation(name=organisation_name.strip())
    db.session.add(organisation)
    user = create_user(
        organisation,
        full_name=full_name,
        email=email,
        password=password,
        time_zone=time_zone,
        is_org_admin=True,
    )
    record_event("organisation.created", actor=user, obj=organisation, details={"name": organisation.name})
    return user


def authenticate(email: str, password: str) -> User | None:
    global _DUMMY_HASH
    user = find_user_by_email(email or "")
    if user is None or not user.active:
        if _DUMMY_HASH is None:
            probe = User()
            probe.set_password("not-a-real-password")
            _DUMMY_HASH = probe.password_hash
        User(password_hash=_DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user


def complete_sign_in(user: User, *, method: str) -> None:
    """Record a finished sign-in (`method`: password, totp or recovery_code)."""
    user.last_sign_in_at = utcnow()
    record_event("account.signed_in", actor=user, obj=user, details={"method": method})


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, on every device."""
    user.rotate_session_token()
    record_event("account.signed_out", actor=user, obj=user)


def request_password_reset(email: str) -> None:
    """Email a reset link when an account exists; say nothing either way."""
    user = find_user_by_email(email or "")
    if user is None or not user.active:
        return
    token, token_hash = new_token()
    now = utcnow()
    reset = PasswordReset(
        user=user,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + current_app.config["PASSWORD_RESET_TTL"],
    )
    db.session.add(reset)
    db.session.flush()
    minutes = int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60)
    queue_mail(
        user.email,
        "Reset your Jointly password",
        "password_reset",
        organisation_id=user.organisation_id,
        user=user,
        link=external_url("accounts.reset_password", token=token),
        minutes=minutes,
    )
    record_event("account.password_reset_requested", actor=user, obj=user)


def find_password_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def reset_password(token: str, new_password: str) -> User:
    reset = find_password_reset(token)
    if reset is None:
        raise RuleViolation("This reset link has expired or was already used. Ask for a new one.")
    _check_password(new_password)
    user = reset.user
    user.set_password(new_password)
    user.rotate_session_token()
    reset.used_at = utcnow()
    # Any other outstanding links stop working too.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=reset.used_at)
    )
    record_event("account.password_reset", actor=user, obj=user)
    return user


def update_profile(user: User, *, full_name: str, email: str, time_zone: str, current_password: str = "") -> None:
    email = normalise_email(email)
    _check_time_zone(time_zone)
    before = {"full_name": user.full_name, "email": user.email, "time_zone": user.time_zone}
    if email != user.email:
        if not user.check_password(current_password or ""):
            raise RuleViolation("Enter your current password to change your email address.", "current_password")
        if find_user_by_email(email) is not None:
            raise RuleViolation("Another account already uses this email.", "email")
    user.full_name, user.email, user.time_zone = full_name.strip(), email, time_zone
    after = {"full_name": user.full_name, "email": user.email, "time_zone": user.time_zone}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        record_event("account.updated", actor=user, obj=user, details=changed)


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password or ""):
        raise RuleViolation("That is not your current password.", "current_password")
    _check_password(new_password, "new_password")
    user.set_password(new_password)
    # Other devices are signed out; the caller signs this one in again.
    user.rotate_session_token()
    record_event("account.password_changed", actor=user, obj=user)

