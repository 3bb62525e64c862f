"""The guided Review → Adapt → Improve → Operate cycle, scored blind by every party.

Addresses (all under /partnerships/<id>):

    /reviews                                            review_cycle.index (GET), .open_cycle (POST)
    /reviews/dimensions                                 review_cycle.dimensions
    /reviews/<cycle_id>                                 review_cycle.show (the stepper)
    /reviews/<cycle_id>/assessment                      review_cycle.assessment (own party's, drafts;
                                                        submitting asks to confirm once it is checked)
    /reviews/<cycle_id>/assessment/correction (POST)    review_cycle.propose_correction (admins: reopen
                                                        the party's submitted assessment, by consent)
    /reviews/<cycle_id>/results                         review_cycle.results (after every party submitted)
    /reviews/<cycle_id>/agree                 (POST)    review_cycle.agree (stage gates)
    /reviews/<cycle_id>/actions/<action_id>             review_cycle.action
    /reviews/<cycle_id>/report, /report.pdf             review_cycle.report_page, .report_pdf
    /maturity                                           review_cycle.maturity_index (GET), .start_maturity (POST)

A maturity assessment (app/review_cycle/maturity.py) is a cycle of another kind: the same
pages, blindness and stage gates, on the maturity dimensions, without the Adapt stage.

A section editor opened with ?cycle=<cycle_id> links the revisions saved from it to the cycle.
"""

from flask import Blueprint, Flask

from app.audit.actions import ACTIONS, AuditAction, fill_sentence
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

bp = Blueprint("review_cycle", __name__)


def cycles_this_request(partnership_id: int):
    """The partnership's cycles of both kinds, read once per request: the home page's review,
    maturity and lifecycle panels all read them. Never kept across requests."""
    from app.review_cycle.cycles import partnership_cycles

    return once_per_request(f"review_cycles:{partnership_id}", lambda: partnership_cycles(partnership_id))


def _panel(membership):
    from app.review_cycle.panel import panel_for

    return once_per_request(f"reviews:{membership.partnership_id}",
                            lambda: panel_for(membership, cycles_this_request(membership.partnership_id)))


def _maturity_panel(membership):
    from app.review_cycle.maturity import panel_for

    return once_per_request(f"maturity:{membership.partnership_id}",
                            lambda: panel_for(membership, cycles_this_request(membership.partnership_id)))


def _first_review(membership) -> StepState:
    from flask import url_for

    from app.partnerships.access import Permission, has_permission

    panel = _panel(membership)  # a cycle is open now, or an earlier one has results
    opened = panel["cycle"] is not None or panel["latest"] is not None
    url = url_for("review_cycle.index", partnership_id=membership.partnership_id) if has_permission(
        membership, Permission.EDIT_PARTNERSHIP) else None
    return StepState(opened, None if opened else "Each quarter, both parties score the relationship", url)


def _sentence(template: str):
    def describe(event, names) -> str:
        details = event.details or {}
        stage = details.get("stage")
        values = {k: v for k, v in details.items() if not isinstance(v, (list, dict)) and v is not None}
        if isinstance(stage, list):
            values["stage"] = " → ".join(str(s).capitalize() for s in stage)
        elif isinstance(stage, str):
            values["stage"] = stage.capitalize()
        values["actor"] = names.actor(event)
        return fill_sentence(template, values)

    return describe


_AUDIT_ACTIONS = tuple(AuditAction(key, label, _sentence(template), show_changes=key in (
    "review.action_updated", "review.dimension_renamed")) for key, label, template in (
    ("review.cycle_opened", "Review cycle opened", "{actor} opened the {period} review (scores due {review_due_on})"),
    ("maturity.started", "Maturity assessment started",
     "{actor} started the {period} maturity assessment (ratings due {review_due_on})"),
    ("maturity.revealed", "Maturity assessment results revealed",
     "Every party had submitted: the {period} maturity assessment results were revealed (joint maturity "
     "{joint_maturity} of 5)"),
    ("review.submitted", "Review submitted", "{actor} submitted their party's review of {period}"),
    ("review.reopened", "Assessment reopened to correct it",
     "Every party agreed: {party}'s review of {period} is open again for {party} to correct"),
    ("review.revealed", "Review results revealed",
     "Every party had submitted: the {period} results were revealed (health index {health_index})"),
    ("review.stage_agreed", "Stage agreed", "{actor} agreed to move the {period} review on from {stage}"),
    ("review.stage_advanced", "Stage advanced", "The {period} review moved on: {stage}"),
    ("review.closed", "Review closed", "Every party agreed: the {period} review is closed"),
    ("review.agreements_withdrawn", "Agreements withdrawn",
     "Agreements to leave {stage} ({period}) were withdrawn: {because}"),
    ("review.adaptation_added", "Adaptation recorded", "{actor} recorded an adaptation ({period}): “{what}”"),
    ("review.revision_linked", "Revision linked to a review",
     "{actor}'s revision {revision} was saved for the {period} review"),
    ("review.action_added", "Action added", "{actor} added the action “{title}” ({period}, due {due_on})"),
    ("review.action_updated", "Action updated", "{actor} updated the action “{title}”"),
    ("review.action_promoted", "Action promoted to the plan",
     "{actor} promoted the action “{title}” into the Continuous improvement section"),
    ("review.dimension_added", "Health dimension added", "{actor} added the health dimension “{name}”"),
    ("review.dimension_renamed", "Health dimension renamed", "{actor} renamed a health dimension"),
    ("review.dimension_retired", "Health dimension retired", "{actor} retired the health dimension “{name}”"),
    ("review.dimension_restored", "Health dimension restored", "{actor} brought back the health dimension “{name}”"),
    ("review.party_included", "Party included in a review", "{party} takes part in the {period} review from now on"),
    ("review.party_left_cycle", "Party left a review",
     "{party} left the partnership: the {period} review no longer waits for it"),
))


from app.review_cycle import maturity_routes, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.consent.kinds import KINDS as PROPOSAL_KINDS
    from app.invitations.signals import party_admitted_into_open_cycle
    from app.invitations.visibility import what_a_new_party_sees
    from app.notifications.delivery import REMINDER_SOURCES
    from app.partnerships import leaving, signals
    from app.plan_sections import signals as plan_signals
    from app.plan_versions.agreed_sections import section_change_agreed
    from app.registries import PORTFOLIO_METRICS, Metric
    from app.review_cycle import (
        admission,
        corrections,
        editing,
        improvement,
        party_changes,
        portfolio_columns,
        reminders,
        report,
    )

    app.register_blueprint(bp)
    TABS.add(app, Tab(
        30, "Reviews", "review_cycle.index",
        also_for=("review_cycle.show", "review_cycle.assessment", "review_cycle.results", "review_cycle.action",
                  "review_cycle.report_page", "review_cycle.dimensions", "review_cycle.open_cycle",
                  "review_cycle.add_adaptation", "review_cycle.add_action", "review_cycle.update_action",
                  "review_cycle.add_dimension", "review_cycle.dimension", "review_cycle.maturity_index",
                  "review_cycle.start_maturity"),
    ))
    PANELS.add(app, Panel(15, "review_cycle/_panel.html", _panel))
    PANELS.add(app, Panel(16, "review_cycle/_maturity_panel.html", _maturity_panel))
    FIRST_STEPS.add(app, FirstStep(
        40, "Open the first review",
        "Each party scores the relationship blind; you then agree what to adapt and improve.",
        _first_review,
    ))
    for action in _AUDIT_ACTIONS:
        ACTIONS.add(app, action)
    template = "review_cycle/_portfolio.html"
    # Health index, trend and largest perception gap in one column; actions and the next review in another.
    # (Commitments kept: the promise ledger's column, over every source, not improvement actions alone.)
    for metric in (
        Metric("health", "Health", portfolio_columns.health, template, "health_cell", order=30,
               sort_key=lambda value: value.index, descending_first=True),
        Metric("reviews", "Actions · next review", portfolio_columns.reviews, template, "reviews_cell", order=36,
               sort_key=lambda value: value.sort_value),
        Metric("maturity", "Maturity", portfolio_columns.maturity, template, "maturity_cell", order=32,
               sort_key=lambda value: value.overall, descending_first=True),
    ):
        PORTFOLIO_METRICS.add(app, metric)
    report.add_jobs(app)
    for source in (reminders.reviews_due, reminders.reviews_to_open, reminders.maturity_due, reminders.actions_overdue):
        REMINDER_SOURCES.add(app, source)
    PROPOSAL_KINDS.add(app, corrections.PROPOSAL_KIND)
    # A party leaving: the open cycle stops waiting for it, and the warning says so first.
    signals.party_left.connect(party_changes.party_left_receiver)
    leaving.CONSEQUENCES.add(app, party_changes.leaving_consequences)
    # An action promoted into the plan by the parties' agreement.
    section_change_agreed.connect(improvement.promoted_by_agreement)
    # The section editor opened for the cycle (its Adapt stage) links the revisions saved from it.
    plan_signals.editor_opened.connect(editing.editor_opened_receiver)
    plan_signals.edit_saved.connect(editing.edit_saved_receiver)
    # A party admitted while a cycle is open takes part in it; a proposed one is told what it would see.
    party_admitted_into_open_cycle.connect(party_changes.admitted_into_open_cycle_receiver)
    what_a_new_party_sees.connect(admission.cycles_seen)
