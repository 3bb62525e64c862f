"""Organisations: an organisation admin's page for its people and its sign-in rules."""

from flask import Blueprint, Flask

bp = Blueprint("organisations", __name__)

from app.organisations import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
