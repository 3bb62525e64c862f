"""Partnerships: creating them, their home page, and managing members by party."""

from flask import Blueprint

bp = Blueprint("partnerships", __name__)

from app.partnerships import routes  # noqa: E402,F401


def register_proposals(app) -> None:
    """Changing the partnership's details goes through consent (after every package loaded)."""
    from app.invitations.services import register_proposals as register_admissions
    from app.invitations.visibility import admission_visibility
    from app.partnerships import proposals

    register_admissions()
    app.add_template_global(proposals.describe, "profile_describe")
    app.add_template_global(proposals.FIELDS, "profile_fields")
    app.add_template_global(admission_visibility, "admission_visibility")
