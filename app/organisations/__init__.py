"""Organisations: an organisation admin's page for its people and its sign-in rules."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)

from app.organisations import routes  # noqa: E402,F401
