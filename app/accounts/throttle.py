"""Sign-in throttling: failed attempts per account and per address, shared by both steps.

Only failures count (a view sets `g.signin_failed`), so people who type their
password right are never slowed down; a password and a two-factor code count
against the same budget. With REDIS_URL set, every instance shares the counts.
"""

from flask import current_app, g, request

from app.extensions import limiter
from app.security import client_address


def _failed(_response) -> bool:
    return bool(g.get("signin_failed"))


def _account_key() -> str:
    """The account being tried: the email typed, or the one waiting for its code."""
    from app.accounts.session import pending_two_factor

    email = request.form.get("email")
    if email is None:
        pending = pending_two_factor()
        if pending is not None:
            return f"user:{pending['user_id']}"
        return "none"
    from app.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    # Unknown addresses are counted too, so probing them is slowed down all the same.
    return f"user:{user.id}" if user is not None else "email:" + email.strip().lower()[:254]


_per_address = limiter.shared_limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_IP"],
    scope="signin-address",
    key_func=client_address,
    methods=["POST"],
    deduct_when=_failed,
)
_per_account = limiter.shared_limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"],
    scope="signin-account",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)


def signin_limits(view):
    """Decorate a sign-in step with both limits."""
    return _per_address(_per_account(view))
