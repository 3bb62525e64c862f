"""Importing a plan written elsewhere (Word or Markdown) into a partnership's working plan."""

from flask import Blueprint, Flask

from app.audit.actions import ACTIONS, AuditAction

bp = Blueprint("plan_import", __name__)


def _imported(event, names) -> str:
    details = event.details or {}
    sections = details.get("sections") or {}
    count = sum(1 for s in sections.values() if isinstance(s, dict) and s.get("status") in ("saved", "merged"))
    return (f"{names.actor(event)} imported “{details.get('filename', 'a file')}” into the plan: "
            f"{count} section{'' if count == 1 else 's'} saved")


from app.plan_import import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    ACTIONS.add(app, AuditAction("plan.imported", "Plan imported", _imported, show_changes=False))
