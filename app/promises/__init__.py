"""The promise ledger: every dated commitment in a partnership (improvement actions, objectives'
target dates, measure actuals, review submissions, stage agreements, signatures by a version's
deadline, meetings by the plan's declared cadence), its outcome, disputes about it, releases by
agreement, and each party's reliability; and the meetings and decisions of the plan's bodies.

Addresses (under /partnerships/<id>):

    /promises                          promises.index      the ledger, filters, reliability
    /promises.csv                      promises.export     the filtered ledger as CSV
    /promises/<key>                    promises.show       one promise and its answers
    /promises/<key>/confirm            promises.confirm    the promisee records an outcome
    /promises/<key>/contest            promises.contest    the promisor states its view
    /promises/<key>/withdraw-contest   promises.withdraw_contest
    /promises/<key>/accept-contest     promises.accept_contest
    /promises/<key>/release            promises.propose_release   a consent proposal
    /meetings                          promises.meetings_page   bodies, cadence and drift, meetings
    /meetings/new?body=<kind:ref>      promises.new_meeting     record one (POST /meetings)
    /meetings/<id>                     promises.meeting
    /decisions                         promises.decisions       the decision register
    /give-and-get                      promises.give_and_get    what each party gives and gets
    /escalations                       promises.escalations_page   the ladder, issues on it (POST raises one)
    /escalations/<id>                  promises.escalation      one issue; POST .../escalate, .../resolve
"""

from flask import Blueprint, Flask

from app.audit.actions import ACTIONS, AuditAction
from app.notifications.kinds import ACTIONS as ACTIONS_GROUP
from app.notifications.kinds import KINDS as NOTIFICATION_KINDS
from app.notifications.kinds import Delivery, NotificationKind
from app.partnerships.navigation import TABS, Tab

bp = Blueprint("promises", __name__)

_AUDIT_ACTIONS = (
    AuditAction("promise.confirmed", "Promise outcome recorded",
                "{actor} recorded {promisor}'s promise “{promise}” ({source}) as {outcome}", show_changes=False),
    AuditAction("promise.contested", "Promise outcome contested",
                "{actor} contested “{promise}” ({source}), standing as {standing}: {claimed}, “{reason}”",
                show_changes=False),
    AuditAction("promise.contest_withdrawn", "Contest withdrawn", "{actor} withdrew the contest of “{promise}”",
                show_changes=False),
    AuditAction("promise.contest_accepted", "Contest accepted",
                "{actor} accepted the promisor's view of “{promise}”: {outcome}", show_changes=False),
    AuditAction("meeting.recorded", "Meeting recorded",
                "{actor} recorded the {body} meeting of {held_on}: {decisions} decisions, {outside} outside its rights",
                show_changes=False),
    AuditAction("escalation.raised", "Issue escalated", "{actor} raised “{title}” at {level} (on {raised_on})",
                show_changes=False),
    AuditAction("escalation.escalated", "Issue taken up a level", "{actor} took “{title}” up to {level} on {on}",
                show_changes=False),
    AuditAction("escalation.resolved", "Escalation resolved", "{actor} resolved “{title}” at {level} on {on}",
                show_changes=False),
    AuditAction("promise.released", "Promise released",
                "{promisor}'s promise “{promise}” is released with every party's agreement, as {actor} proposed: "
                "“{reason}”", show_changes=False),
)

from app.promises import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.consent.kinds import KINDS as PROPOSAL_KINDS
    from app.jobs import PERIODIC, PeriodicSpec
    from app.partnerships.navigation import PANELS, Panel
    from app.promises import earned, practice, release, suggestions, summary
    from app.registries import ADAPT_SUGGESTIONS, PLAN_DRIFT, PORTFOLIO_METRICS, TRUST_EARNED, Metric

    app.register_blueprint(bp)
    TABS.add(app, Tab(45, "Promises", "promises.index", also_for=("promises.show", "promises.confirm",
                                                                    "promises.contest", "promises.withdraw_contest",
                                                                    "promises.accept_contest",
                                                                    "promises.propose_release",
                                                                    "promises.meetings_page", "promises.new_meeting",
                                                                    "promises.add_meeting", "promises.meeting",
                                                                    "promises.decisions", "promises.give_and_get",
                                                                    "promises.escalations_page",
                                                                    "promises.raise_escalation", "promises.escalation",
                                                                    "promises.escalate",
                                                                    "promises.resolve_escalation")))
    for action in _AUDIT_ACTIONS:
        ACTIONS.add(app, action)
    NOTIFICATION_KINDS.add(app, NotificationKind(
        "promise_outcome", "Promises kept and broken",
        "The other party records whether your party kept a promise, contests an outcome, or accepts your view.",
        ACTIONS_GROUP,
    ))
    NOTIFICATION_KINDS.add(app, NotificationKind(
        "meeting_recorded", "Meetings recorded",
        "Another party records a meeting of a governance body or forum, with its decisions (flagged when one is "
        "outside the body's decision rights).",
        ACTIONS_GROUP, default=Delivery.DAILY_DIGEST,
    ))
    NOTIFICATION_KINDS.add(app, NotificationKind(
        "escalation", "Escalations",
        "Another party raises an issue on the escalation ladder, takes one up a level, or resolves one.",
        ACTIONS_GROUP,
    ))
    PROPOSAL_KINDS.add(app, release.PROPOSAL_KIND)
    TRUST_EARNED.add(app, earned.earned_in)
    ADAPT_SUGGESTIONS.add(app, suggestions.suggestions)
    PLAN_DRIFT.add(app, practice.drift_in)
    # The portfolio and the overview read each partnership's summary, kept by a periodic job.
    PERIODIC.add(app, PeriodicSpec("trust_summary_sweep", summary.sweep, minutes=5))
    PORTFOLIO_METRICS.add(app, Metric("promises", "Promises kept on time", summary.summaries,
                                      "promises/_portfolio.html", "trust_cell", order=34,
                                      sort_key=lambda value: value.lowest_share))
    PANELS.add(app, Panel(17, "promises/_panel.html", _panel))


def _panel(membership):
    from app.promises.summary import summary_of

    return summary_of(membership.partnership_id)
