"""The shared ERMP: ten structured sections, each save an immutable revision."""

from flask import Blueprint

from app.partnerships.navigation import Panel, Tab, register_panel, register_tab

bp = Blueprint("plan_sections", __name__)


def _plan_panel(membership):
    from app.plan_sections.services import plan_overview

    return {"plan": plan_overview(membership.partnership)}


register_tab(Tab(
    10, "Plan", "plan_sections.overview",
    also_for=(
        "plan_sections.section", "plan_sections.edit", "plan_sections.full",
        # A section's history, revisions, comparisons, comments and conflicts (app/coediting/).
        "coediting.history", "coediting.revision", "coediting.compare", "coediting.plan_compare",
        "coediting.comments", "coediting.conflict",
    ),
))
register_panel(Panel(10, "plan_sections/_panel.html", _plan_panel))

from app.plan_sections import routes  # noqa: E402,F401
