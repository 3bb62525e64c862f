"""Invitations: inviting colleagues and partner organisations, and accepting."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)

from app.invitations import routes  # noqa: E402,F401
