"""Partnerships: creating them, their home page, and managing members by party."""

from flask import Blueprint

bp = Blueprint("partnerships", __name__)

from app.partnerships import routes  # noqa: E402,F401
