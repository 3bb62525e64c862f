"""Each partnership's audit trail, for the admins of every party: filterable, exportable
as CSV, with the state of the hash chain. (Recording and verifying events is app/audit.)"""

from flask import Blueprint, Flask

from app.partnerships.access import Permission
from app.partnerships.navigation import TABS, Tab

bp = Blueprint("audit_trail", __name__)

from app.audit_trail import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    TABS.add(app, Tab(95, "Audit trail", "audit_trail.trail", permission=Permission.VIEW_AUDIT))
