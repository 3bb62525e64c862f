"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) and recovery codes.

Enrolment stores a new secret, shows it as a QR code and only switches two-factor
sign-in on once the user proves their app produces the right code. Each code works
once (the accepted time step is remembered). Ten single-use recovery codes are shown
once and kept only as hashes.
"""

import hmac
import secrets

import pyotp
import segno
import sqlalchemy as sa

from app.accounts.models import RecoveryCode, User
from app.audit.services import record_event
from app.extensions import db
from app.rules import RuleViolation
from app.security import hash_token
from app.types import utcnow

ISSUER = "Jointly"
RECOVERY_CODE_COUNT = 10
# Codes from the previous and next 30-second step are accepted too (clock drift).
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def start_enrolment(user: User) -> str:
    """A new secret for the user to add to their authenticator app (not yet in use)."""
    if user.two_factor_enabled:
        raise RuleViolation("Two-factor sign-in is already on. Turn it off first to move it to another device.")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, drawn on the server (no external service)."""
    qr = segno.make(uri, error="m")
    return qr.svg_inline(scale=5, border=2, dark="#1d2433", light="#ffffff", omitsize=True, svgclass="qr")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def _accept_totp(user: User, code: str, *, now: float | None = None) -> bool:
    """True, and remember the step, when `code` is a fresh code for the user's secret."""
    code = _normalise_code(code)
    if not user.totp_secret or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(utcnow() if now is None else _as_datetime(now))
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # already used: a code works once
            user.totp_last_step = step
            return True
    return False


def _as_datetime(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones, returned once in clear."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(_normalise_code(codes[-1]))))
    db.session.flush()
    return codes


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _use_recovery_code(user: User, code: str) -> bool:
    code = _normalise_code(code)
    if len(code) != 16:
        return False
    row = db.session.scalar(
        sa.select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_token(code),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Switch two-factor sign-in on once the app's code matches; returns the recovery codes."""
    if user.two_factor_enabled:
        raise RuleViolation("Two-factor sign-in is already on.")
    if not user.totp_secret:
        raise RuleViolation("Start the set-up again: no authenticator app is being set up.")
    if not _accept_totp(user, code):
        raise RuleViolation(
            "That code does not match. Check the time on your phone is right and type the code shown now.", "code"
        )
    user.totp_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    record_event("account.two_factor_enabled", actor=user, obj=user)
    return codes


def verify_second_factor(user: User, code: str) -> str | None:
    """'totp' or 'recovery_code' when `code` proves the second factor, else None."""
    if not user.two_factor_enabled:
        return None
    if _accept_totp(user, code):
        return "totp"
    if _use_recovery_code(user, code):
        record_event(
            "account.recovery_code_used", actor=user, obj=user, details={"remaining": remaining_recovery_codes(user)}
        )
        return "recovery_code"
    return None


def regenerate_recovery_codes(user: User, *, password: str) -> list[str]:
    if not user.two_factor_enabled:
        raise RuleViolation("Turn on two-factor sign-in first.")
    if not user.check_password(password or ""):
        raise RuleViolation("That is not your current password.", "password")
    codes = new_recovery_codes(user)
    record_event("account.recovery_codes_regenerated", actor=user, obj=user)
    return codes


def disable(user: User, *, password: str, code: str) -> None:
    """Turn two-factor sign-in off: needs the password and a current code (or a recovery code).

    Where the organisation requires two-factor sign-in, the user is asked to set it up
    again straight away (that is how it moves to a new phone)."""
    if not user.two_factor_enabled:
        raise RuleViolation("Two-factor sign-in is not on.")
    if not user.check_password(password or ""):
        raise RuleViolation("That is not your current password.", "password")
    if verify_second_factor(user, code) is None:
        raise RuleViolation("That code does not match.", "code")
    switch_off(user)
    record_event("account.two_factor_disabled", actor=user, obj=user)


def switch_off(user: User) -> None:
    """Forget the user's secret and recovery codes and end their sessions (the caller audits)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.rotate_session_token()


def must_enrol(user) -> bool:
    """A signed-in member of an organisation that requires two-factor sign-in, without it."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.organisation.require_two_factor and not user.two_factor_enabled)
