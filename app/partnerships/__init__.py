"""Partnerships: creating them, their overview page, and managing members by party."""

from flask import Blueprint, Flask

bp = Blueprint("partnerships", __name__)

from app.partnerships import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.audit.actions import ACTIONS
    from app.consent.kinds import KINDS as PROPOSAL_KINDS
    from app.partnerships import leaving, navigation, proposals

    app.register_blueprint(bp)
    navigation.init_app(app)
    # Changing the partnership's details goes through consent.
    PROPOSAL_KINDS.add(app, proposals.PROPOSAL_KIND)
    app.add_template_global(proposals.describe, "profile_describe")
    app.add_template_global(proposals.FIELDS, "profile_fields")
    app.add_template_global(navigation.TABS.all, "partnership_tabs")
    ACTIONS.add(app, leaving.AUDIT_ACTION)
