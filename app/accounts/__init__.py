"""Accounts: sign up, sign in and out, password resets and each user's settings."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.accounts import routes  # noqa: E402,F401
