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


def _register_portfolio_columns():
    from app.plan_sections import metrics
    from app.portfolio.metrics import Metric, register_metric

    register_metric(Metric(
        key="plan", label="Plan", load=metrics.plan_health, template="plan_sections/_portfolio.html",
        macro="plan_cell", order=20, sort_key=lambda value: value.sort_value,
    ))
    register_metric(Metric(
        key="risk", label="Top risk", load=metrics.top_risks, template="plan_sections/_portfolio.html",
        macro="risk_cell", order=60, sort_key=lambda value: value.score, descending_first=True,
    ))


_register_portfolio_columns()
