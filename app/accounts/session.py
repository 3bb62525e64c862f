"""Signed-in sessions: starting them, their idle and absolute limits, and the
half-signed-in state between a correct password and its two-factor code.

The session cookie is the only credential. It carries the user's session token
(rotating the token ends every session of the user at once) and the times the
session started and was last used; those times are checked on the server at
every request, so an old cookie cannot outlive its limits.

"Keep me signed in" makes the cookie survive closing the browser and switches to
the longer REMEMBER_* limits. It never extends a session beyond REMEMBER_DAYS
after the password was typed: there is no separate remember-me token that could
start a fresh session on its own.
"""

import functools
import time
from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, request, session
from flask_login import current_user, login_url, logout_user
from flask_login import login_user as _login_user

AUTH_AT = "_auth_at"
SEEN_AT = "_seen_at"
KEEP = "_keep"
PENDING = "_two_factor"
# Writing the last-seen time at most once a minute keeps most responses cookie-free.
SEEN_RESOLUTION_SECONDS = 60


def start_session(user, remember: bool = False) -> None:
    """A fresh session for `user`: nothing from before survives (no session fixation)."""
    session.clear()
    _login_user(user)
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session[KEEP] = bool(remember)
    # Permanent = the cookie has an expiry date and survives closing the browser.
    session.permanent = bool(remember)


def limits(keep: bool) -> tuple[timedelta, timedelta]:
    """(idle, absolute) limits for a session, by whether the user chose to be kept signed in."""
    config = current_app.config
    if keep:
        return config["REMEMBER_IDLE_TIMEOUT"], config["REMEMBER_ABSOLUTE_TIMEOUT"]
    return config["SESSION_IDLE_TIMEOUT"], config["SESSION_ABSOLUTE_TIMEOUT"]


def session_expires_at(sess) -> datetime | None:
    """When a kept session's cookie should expire: at its absolute limit."""
    if not sess.get(KEEP) or AUTH_AT not in sess:
        return None
    _idle, absolute = limits(True)
    return datetime.fromtimestamp(sess[AUTH_AT] + absolute.total_seconds()).astimezone()


def end_session(message: str | None = None) -> None:
    logout_user()
    session.clear()
    g.session_ended = True
    if message:
        flash(message, "info")


def background(view):
    """Mark a view as a background request: a page's script polling or sending heartbeats
    (presence) rather than a person doing something. It never counts as activity for the
    idle limit, so a forgotten open tab does not keep its session alive, and it never
    re-sends the session cookie (see app.web.SessionInterface). A view that learns the
    person did act (they typed since the last heartbeat) calls `note_activity()`."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.background_request = True
        return view(*args, **kwargs)

    wrapped.background_request = True
    return wrapped


def _is_background() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "background_request", False))


def note_activity() -> None:
    """Count this request as the person's activity (keeps the session within its idle limit)."""
    if "_user_id" not in session:
        return
    now = time.time()
    seen_at = session.get(SEEN_AT)
    if not isinstance(seen_at, int | float) or now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = int(now)


def enforce_session_limits():
    """before_request hook: end sessions past their idle or absolute limit."""
    if request.endpoint == "static":
        return None
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if remember_cookie in request.cookies:
        # Sessions are never restored from a remember-me cookie (see above); this
        # makes Flask-Login ignore and delete any such cookie a browser still holds.
        session["_remember"] = "clear"
    if "_user_id" not in session:
        return None
    now = time.time()
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    idle, absolute = limits(bool(session.get(KEEP)))
    if not isinstance(auth_at, int | float) or not isinstance(seen_at, int | float):
        end_session()  # a session from before these limits existed: sign in again
    elif now - auth_at > absolute.total_seconds():
        end_session("Your session has ended for your security. Please sign in again.")
    elif now - seen_at > idle.total_seconds():
        end_session("You were signed out after a period without activity. Please sign in again.")
    elif now - seen_at >= SEEN_RESOLUTION_SECONDS and not _is_background():
        session[SEEN_AT] = int(now)
    return None


def send_to_sign_in():
    """Flask-Login's unauthorized handler: to sign-in and back, with one clear message."""
    if not g.get("session_ended"):
        flash("Please sign in to continue.", "info")
    return redirect(login_url("accounts.sign_in", next_url=request.url))


# The two-factor step ---------------------------------------------------------


def begin_two_factor(user, *, remember: bool, next_url: str | None) -> None:
    """Password accepted: remember who is half signed in until the code arrives."""
    session.clear()
    session[PENDING] = {
        "user_id": user.id,
        "token": user.session_token,
        "at": int(time.time()),
        "keep": bool(remember),
        "next": next_url,
    }


def pending_two_factor() -> dict | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    timeout = current_app.config["TWO_FACTOR_PENDING_TIMEOUT"].total_seconds()
    if time.time() - pending.get("at", 0) > timeout:
        session.pop(PENDING, None)
        return None
    return pending


def pending_user():
    """The user who typed the right password and owes a code, or None."""
    from app.accounts.models import User
    from app.extensions import db

    pending = pending_two_factor()
    if pending is None:
        return None
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.active or user.session_token != pending["token"]:
        return None
    return user


def is_signed_in() -> bool:
    return bool(current_user and current_user.is_authenticated)
