"""Importing a plan written elsewhere (Word or Markdown) into a partnership's working plan."""

from flask import Blueprint

from app.audit.actions import register_action

bp = Blueprint("plan_import", __name__)


def _imported(event, names) -> str:
    details = event.details or {}
    sections = details.get("sections") or {}
    count = sum(1 for s in sections.values() if isinstance(s, dict) and s.get("status") in ("saved", "merged"))
    return (f"{names.actor(event)} imported “{details.get('filename', 'a file')}” into the plan: "
            f"{count} section{'' if count == 1 else 's'} saved")


register_action("plan.imported", "Plan imported", _imported, show_changes=False)

from app.plan_import import routes  # noqa: E402,F401
