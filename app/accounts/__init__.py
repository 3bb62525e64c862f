"""Accounts: sign up, sign in and out (with optional two-factor sign-in), password resets and settings."""

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)

from app.accounts import routes, two_factor_routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
