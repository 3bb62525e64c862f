"""Request-wide behaviour: who is signed in, the membership gate, security headers,
cookies and the template helpers every page uses."""

import sqlalchemy as sa
from flask import Flask, flash, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.accounts.session import enforce_session_limits, send_to_sign_in, session_expires_at
from app.accounts.two_factor import must_enrol
from app.extensions import db, login_manager
from app.formatting import register_template_helpers
from app.forms import unprocessable_if_invalid
from app.inputs import IdConverter, JointlyRequest, refuse_unreadable_urls
from app.partnerships.access import Permission, gate_partnership_urls, has_permission

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure over HTTPS; a kept session's cookie expires at its limit."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def should_set_cookie(self, app: Flask, session) -> bool:
        # A background request (a live preview) must not re-send the session cookie: arriving
        # late, it would overwrite the one a page request just set (and lose a flashed message).
        if g.get("background_request") and not session.modified:
            return False
        return super().should_set_cookie(app, session)

    def get_expiration_time(self, app: Flask, session):
        return session_expires_at(session) if session.permanent else None


# Where a member who must set up two-factor sign-in may still go.
TWO_FACTOR_ENROLMENT_ENDPOINTS = {
    "accounts.two_factor",
    "accounts.two_factor_start",
    "accounts.two_factor_enrol",
    "accounts.two_factor_confirm",
    "accounts.sign_out",
    "core.healthz",
    "static",
}


def require_two_factor_enrolment():
    """before_request hook: members of an organisation requiring two-factor sign-in set it up first."""
    if request.endpoint in TWO_FACTOR_ENROLMENT_ENDPOINTS or request.endpoint is None:
        return None
    if must_enrol(current_user):
        flash(
            f"{current_user.organisation.name} requires two-factor sign-in. Set it up to continue.",
            "warning",
        )
        return redirect(url_for("accounts.two_factor"))
    return None


def init_app(app: Flask) -> None:
    """Called before any blueprint adds its URL rules (the int converter must be in place)."""
    app.session_interface = SessionInterface()
    app.request_class = JointlyRequest
    app.url_map.converters["int"] = IdConverter

    login_manager.login_view = "accounts.sign_in"
    login_manager.session_protection = "basic"
    login_manager.unauthorized_handler(send_to_sign_in)

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id carries the session token: rotating it ends every session at once.
        user_pk, _, token = user_id.partition(":")
        if not user_pk.isdigit() or not token:
            return None
        # The organisation comes along: the header and the two-factor rule need it on every page.
        user = db.session.scalar(
            sa.select(User)
            .where(User.id == int(user_pk), User.session_token == token)
            .options(joinedload(User.organisation))
        )
        return user if user is not None and user.active else None

    app.after_request(_security_headers)
    app.after_request(unprocessable_if_invalid)
    # Order matters: unreadable URLs are refused first, then expired sessions end, then
    # enrolment, then the membership gate.
    app.before_request(refuse_unreadable_urls)
    app.before_request(enforce_session_limits)
    app.before_request(require_two_factor_enrolment)
    app.before_request(gate_partnership_urls)
    register_template_helpers(app)

    from app import submissions
    from app.core.errors import register_error_handlers

    register_error_handlers(app)
    submissions.init_app(app)

    # Templates ask `can(Permission.X)` of the membership the gate loaded, and every partnership
    # page reads that membership and its partnership without each view passing them.
    app.context_processor(_membership_of_the_page)
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["can"] = lambda permission: has_permission(g.get("membership"), permission)


def _membership_of_the_page() -> dict:
    membership = g.get("membership")
    return {"membership": membership, "partnership": membership.partnership} if membership is not None else {}


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and current_user.is_authenticated and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # private plans stay out of shared caches
    return response


def secure_cookies_over_https(response):
    """after_request hook, registered before the extensions' so it runs after them."""
    if not request.is_secure:
        return response
    cookies = response.headers.getlist("Set-Cookie")
    if cookies and any("; secure" not in c.lower() for c in cookies):
        response.headers.remove("Set-Cookie")
        for cookie in cookies:
            if "; secure" not in cookie.lower():
                cookie += "; Secure"
            response.headers.add("Set-Cookie", cookie)
    return response
