"""Partnerships: creating them, their overview page, and managing members by party."""

from flask import Blueprint, Flask

bp = Blueprint("partnerships", __name__)

from app.partnerships import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.audit.actions import ACTIONS
    from app.partnerships import leaving, navigation

    app.register_blueprint(bp)
    navigation.init_app(app)
    app.add_template_global(navigation.TABS.all, "partnership_tabs")
    ACTIONS.add(app, leaving.AUDIT_ACTION)
