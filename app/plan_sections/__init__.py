"""The shared ERMP: ten structured sections, each save an immutable revision."""

from flask import Blueprint, Flask

from app.partnerships.navigation import (
    FIRST_STEPS,
    PANELS,
    TABS,
    FirstStep,
    Panel,
    StepState,
    Tab,
    once_per_request,
)

bp = Blueprint("plan_sections", __name__)


def _overview(membership):
    from app.plan_sections.progress import plan_overview

    return once_per_request(f"plan:{membership.partnership_id}", lambda: plan_overview(membership.partnership))


def _plan_panel(membership):
    return {"plan": _overview(membership)}


def _can_edit(membership) -> bool:
    from app.partnerships.access import Permission, has_permission

    return has_permission(membership, Permission.EDIT_PLAN)


def _sections_written(membership) -> StepState:
    from flask import url_for

    plan = _overview(membership)
    written = len(plan.sections) - len(plan.not_started)
    first = plan.not_started[0].key if plan.not_started else None
    url = url_for("coediting.edit", partnership_id=membership.partnership_id, section_key=first) if (
        first and _can_edit(membership)) else None
    return StepState(not plan.not_started, f"{written} of {len(plan.sections)} sections written", url)


def _measures_set(membership) -> StepState:
    from flask import url_for

    business_case = next(s for s in _overview(membership).sections if s.key == "business_case")
    count = len(business_case.content["items"].get("measures", []))
    url = url_for("coediting.edit", partnership_id=membership.partnership_id, section_key="business_case",
                  _anchor="kind-measures") if _can_edit(membership) else None
    return StepState(count > 0, f"{count} measure{'' if count == 1 else 's'}", url)


from app.plan_sections import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.invitations.visibility import what_a_new_party_sees
    from app.plan_sections import admission, portfolio_columns
    from app.registries import PORTFOLIO_METRICS, Metric

    app.register_blueprint(bp)
    TABS.add(app, Tab(
        10, "Plan", "plan_sections.overview",
        also_for=(
            "coediting.section", "coediting.edit", "plan_sections.full",
            # A section's history, revisions, comparisons, comments and conflicts (app/coediting/).
            "coediting.history", "coediting.revision", "coediting.compare", "coediting.plan_compare",
            "coediting.comments", "coediting.conflict",
            # Importing a plan from Word or Markdown (app/plan_import/).
            "plan_import.upload", "plan_import.preview",
        ),
    ))
    PANELS.add(app, Panel(10, "plan_sections/_panel.html", _plan_panel))
    FIRST_STEPS.add(app, FirstStep(
        20, "Write the plan",
        "Both parties fill the ten sections of the relationship plan, each in their own words.",
        _sections_written,
    ))
    FIRST_STEPS.add(app, FirstStep(
        30, "Set the joint performance measures",
        "In the business case: what you measure together, its baseline and target, and who owns the data.",
        _measures_set,
    ))
    PORTFOLIO_METRICS.add(app, Metric(
        key="plan", label="Plan", load=portfolio_columns.plan_health, template="plan_sections/_portfolio.html",
        macro="plan_cell", order=20, sort_key=lambda value: value.sort_value,
    ))
    PORTFOLIO_METRICS.add(app, Metric(
        key="risk", label="Top risk", load=portfolio_columns.top_risks, template="plan_sections/_portfolio.html",
        macro="risk_cell", order=60, sort_key=lambda value: value.score, descending_first=True,
    ))
    # What a proposed new party would see: the plan.
    what_a_new_party_sees.connect(admission.plan_seen)
