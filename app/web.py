"""Request-wide behaviour: who is signed in, the membership gate, security headers,
cookies and the template helpers every page uses."""

import sqlalchemy as sa
from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from app.accounts.models import User
from app.extensions import db, login_manager
from app.formatting import register_template_helpers
from app.partnerships.access import Permission, gate_partnership_urls, has_permission
from app.partnerships.navigation import TABS

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
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure

    def should_set_cookie(self, app: Flask, session) -> bool:
        # A background request (a live preview) must not re-send the session cookie: arriving
        # late, it would overwrite the one a page request just set (and lose a flashed message).
        if g.get("background_request") and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        # The id carries the session token: rotating it ends every session at once.
        user_pk, _, token = user_id.partition(":")
        if not user_pk.isdigit() or not token:
            return None
        user = db.session.scalar(
            sa.select(User).where(User.id == int(user_pk), User.session_token == token)
        )
        return user if user is not None and user.active else None

    app.after_request(_security_headers)
    app.before_request(gate_partnership_urls)
    register_template_helpers(app)

    from app.core.errors import register_error_handlers

    register_error_handlers(app)

    # Templates ask `can(Permission.X)` of the membership the gate loaded.
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["can"] = lambda permission: has_permission(g.get("membership"), permission)
    app.jinja_env.globals["partnership_tabs"] = TABS


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
