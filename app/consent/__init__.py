"""Joint consent: a change to the partnership itself takes effect only when every party agrees.

Stable addresses (under /partnerships/<id>):

    /proposals                                  consent.index     open and decided proposals
    /proposals/<proposal_id>                    consent.show      what would change, who answered
    /proposals/<proposal_id>/agree     (POST)   consent.agree     an asked party's admin (or signatory)
    /proposals/<proposal_id>/decline   (POST)   consent.decline   the same, with a reason
    /proposals/<proposal_id>/withdraw  (POST)   consent.withdraw  the proposing party's admins
    /settings                  (GET, POST)     consent.settings  the partnership's details, changed by proposal

Features add what a proposal can change to `app.consent.kinds.KINDS` from their `init_app`;
consent's own kind changes the partnership's details (profile.py).
"""

from flask import Blueprint, Flask

from app.audit.actions import ACTIONS, AuditAction
from app.notifications.kinds import KINDS as NOTIFICATION_KINDS
from app.notifications.kinds import Delivery, NotificationKind
from app.partnerships.access import Permission
from app.partnerships.navigation import PANELS, TABS, Panel, Tab

bp = Blueprint("consent", __name__)

PROPOSALS = "Proposals to change the partnership"

_NOTIFICATION_KINDS = (
    NotificationKind(
        "proposal_waiting", "Your party's agreement is asked",
        "Another party proposes a change to the partnership (a new party, its details, withdrawing a version, "
        "correcting an assessment, a change to an agreed section) and your party's answer is needed.",
        PROPOSALS,
    ),
    NotificationKind(
        "proposal_outcome", "A proposal is decided",
        "A proposal is agreed by every party (and made), declined, withdrawn, or expires.",
        PROPOSALS, default=Delivery.DAILY_DIGEST,
    ),
)

_AUDIT_ACTIONS = tuple(AuditAction(key, label, sentence, show_changes=False) for key, label, sentence in (
    ("proposal.made", "Change proposed", "{actor} proposed: {summary}"),
    ("proposal.agreed", "Proposal agreed by a party", "{actor} agreed for their party: {summary}"),
    ("proposal.declined", "Proposal declined", "{actor} declined for their party: {summary}"),
    ("proposal.withdrawn", "Proposal withdrawn", "{actor} withdrew the proposal: {summary}"),
    ("proposal.applied", "Agreed change made", "Every party agreed; the change is made: {summary}"),
    ("proposal.expired", "Proposal expired", "The proposal expired unanswered: {summary}"),
    ("proposal.lapsed", "Proposal lapsed", "The proposal lapsed ({outcome}): {summary}"),
))


def _panel(membership):
    from app.consent import services

    current = [p for p in services.open_proposals(membership.partnership_id) if not services.is_overdue(p)]
    waiting = services.awaiting_answer(current, membership.party_id)
    ours = [p for p in current if p.proposed_by_party_id == membership.party_id]
    if not waiting and not ours:
        return None
    return {"waiting": waiting, "ours": ours,
            "can_answer": {p.id: services.may_answer_for_party(membership, p) for p in waiting},
            "waiting_for": {p.id: services.waiting_for(p) for p in ours}}


def _expire_proposals() -> None:
    from app.consent.services import expire_overdue

    expire_overdue()  # the periodic runner commits


def init_app(app: Flask) -> None:
    """The pages and reminders (imported here, not at the top: they use the features that
    propose); a party leaving or joining lapses the open proposals (they no longer ask the
    parties taking part)."""
    from app.consent import profile, reminders, routes  # noqa: F401 - routes: the blueprint's pages
    from app.consent.kinds import KINDS as PROPOSAL_KINDS
    from app.jobs import PERIODIC, PeriodicSpec
    from app.notifications.delivery import REMINDER_SOURCES
    from app.partnerships import signals

    app.register_blueprint(bp)
    TABS.add(app, Tab(94, "Proposals", "consent.index",
                      also_for=("consent.show", "consent.agree", "consent.decline", "consent.withdraw")))
    TABS.add(app, Tab(100, "Settings", "consent.settings", permission=Permission.EDIT_PARTNERSHIP))
    PANELS.add(app, Panel(2, "consent/_panel.html", _panel))
    # Changing the partnership's details goes through consent.
    PROPOSAL_KINDS.add(app, profile.PROPOSAL_KIND)
    app.add_template_global(profile.describe, "profile_describe")
    app.add_template_global(profile.FIELDS, "profile_fields")
    for kind in _NOTIFICATION_KINDS:
        NOTIFICATION_KINDS.add(app, kind)
    for action in _AUDIT_ACTIONS:
        ACTIONS.add(app, action)
    PERIODIC.add(app, PeriodicSpec("expire_proposals", _expire_proposals, minutes=15))
    REMINDER_SOURCES.add(app, reminders.proposals_waiting)
    signals.party_left.connect(_lapse_when_a_party_leaves)
    signals.party_joined.connect(_lapse_when_a_party_joins)


def _lapse_when_a_party_leaves(party, **_details) -> None:
    from app.consent import services

    services.lapse_open(party.partnership_id, f"{party.name} left the partnership, so it no longer asks every party.")


def _lapse_when_a_party_joins(party, **_details) -> None:
    from app.consent import services

    services.lapse_open(party.partnership_id,
                        f"{party.name} joined the partnership, so every party must be asked again.")
