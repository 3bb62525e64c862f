"""Plan versions signed by every party, exported as digitally signed PDFs anyone can verify.

Stable addresses (partnership ones under /partnerships/<id>):

    /versions                                   plan_versions.index     list, baseline, what changed since
    /versions/new                  (GET, POST)  plan_versions.new       issue (party admins)
    /versions/<version_id>                      plan_versions.show      a version, its signatures and diff
    /versions/<version_id>/sign    (GET, POST)  plan_versions.sign      sign (signatories)
    /versions/<version_id>/decline (POST)       plan_versions.decline
    /versions/<version_id>/withdraw (POST)      plan_versions.withdraw  propose withdrawing it (party admins)
    /versions/<version_id>/nudge   (POST)       plan_versions.nudge     remind a party to sign (admins)
    /versions/<version_id>/pdf                  plan_versions.pdf       the stored (signed) PDF
    /versions/<version_id>/docx                 plan_versions.docx      the version as a Word document
    /versions/<version_id>/changes              plan_versions.changes   the working plan against it
    /plan/draft.pdf                (GET, POST)  plan_versions.draft_pdf the DRAFT (cached; POST asks)
    /plan/drafts/<draft_id>                     plan_versions.draft_file  a cached DRAFT, or "being prepared"
    /plan/draft.docx                            plan_versions.draft_docx  the working plan as a Word document
    /verify                        (GET, POST)  plan_versions.verify    check any plan PDF
    /organisation/signing-key      (GET, POST)  plan_versions.signing_key
"""

from flask import Blueprint, Flask, g

from app.audit.actions import ACTIONS, AuditAction
from app.notifications.kinds import KINDS as NOTIFICATION_KINDS
from app.notifications.kinds import SIGNING, NotificationKind
from app.partnerships.navigation import PANELS, TABS, Panel, Tab

bp = Blueprint("plan_versions", __name__)


def _baseline_panel(membership):
    from app.plan_versions import services

    changes = services.baseline_changes(membership.partnership_id)
    return {"changes": changes, "awaiting": services.awaiting_of(membership.partnership_id)}


_AUDIT_ACTIONS = tuple(AuditAction(key, label, sentence, show_changes=False) for key, label, sentence in (
    ("plan.version_issued", "Plan version issued",
     "{actor} issued plan {version} for signature (SHA-256 {content_hash})"),
    ("plan.version_signed", "Plan version signed", "{actor} signed plan {version} (SHA-256 {content_hash})"),
    ("plan.version_declined", "Plan version declined", "{actor} declined to sign plan {version}: “{reason}”"),
    ("plan.version_withdrawn", "Plan version withdrawn",
     "Plan {version} is withdrawn with every party's agreement, as {actor} proposed: “{reason}”"),
    ("plan.version_baseline", "Signed baseline", "Every party signed plan {version}: it is the signed baseline"),
    ("plan.signature_turn", "Turn to sign", "Plan {version} now waits for {party_name}'s signature (its turn)"),
    ("plan.signature_reminded", "Signature reminder",
     "{user} was reminded to sign plan {version} for {party_name}, {when} (sign by {sign_by})"),
    ("plan.signature_nudged", "Signatories nudged",
     "{actor} nudged {party_name}'s signatories to sign plan {version}"),
    ("signing_key.generated", "Signing key generated",
     "A signing key was generated for the organisation ({fingerprint})"),
    ("signing_key.uploaded", "Signing key uploaded",
     "{actor} uploaded the organisation's signing certificate ({fingerprint})"),
))

_NOTIFICATION_KINDS = (
    NotificationKind(
        "signature_reminder", "Signature reminders",
        "A plan version still waits for your party's signature: halfway to its deadline, one day before it and "
        "once it is overdue.",
        SIGNING,
    ),
    NotificationKind(
        "signature_nudge", "Nudges to sign",
        "An admin of the partnership reminds your party that a plan version waits for its signature.",
        SIGNING,
    ),
    NotificationKind(
        "version_withdrawn", "A version is withdrawn",
        "Every party agreed to withdraw a plan version that was out for signature; it can no longer be signed.",
        SIGNING,
    ),
)


@bp.app_context_processor
def _baseline_for_plan_pages():
    """`baseline_changes()` for the plan pages' "changed since signed baseline" notes (once per request)."""

    def baseline_changes():
        membership = g.get("membership")
        if membership is None:
            return None
        if "baseline_changes" not in g:
            from app.plan_versions import services

            g.baseline_changes = services.baseline_changes(membership.partnership_id)
        return g.baseline_changes

    return {"baseline_changes": baseline_changes}


from app.plan_versions import cli, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from app.consent.kinds import KINDS as PROPOSAL_KINDS
    from app.invitations.visibility import what_a_new_party_sees
    from app.notifications.delivery import REMINDER_SOURCES
    from app.partnerships import leaving, signals
    from app.plan_versions import (
        admission,
        agreed_sections,
        deadlines,
        drafts,
        pdfs,
        portfolio_columns,
        services,
        withdrawal,
    )
    from app.plan_versions.identities import keys_decrypt
    from app.plan_versions.integrity import stored_pdfs_verify
    from app.registries import INTEGRITY_CHECKS, PORTFOLIO_METRICS, Metric

    app.register_blueprint(bp)
    TABS.add(app, Tab(
        15, "Versions", "plan_versions.index",
        also_for=("plan_versions.new", "plan_versions.show", "plan_versions.sign", "plan_versions.decline",
                  "plan_versions.nudge", "plan_versions.withdraw",
                  "plan_versions.changes", "plan_versions.pdf", "plan_versions.draft_pdf",
                  "plan_versions.request_draft_pdf", "plan_versions.draft_file"),
    ))
    PANELS.add(app, Panel(12, "plan_versions/_panel.html", _baseline_panel))
    for check in (stored_pdfs_verify, keys_decrypt):
        INTEGRITY_CHECKS.add(app, check)
    pdfs.add_jobs(app)
    drafts.add_jobs(app)
    for action in _AUDIT_ACTIONS:
        ACTIONS.add(app, action)
    PORTFOLIO_METRICS.add(app, Metric(
        key="baseline", label="Signed baseline", load=portfolio_columns.signed_baselines,
        template="plan_versions/_portfolio.html", macro="baseline_cell", order=25,
        sort_key=lambda value: value.sort_value,
    ))
    for kind in _NOTIFICATION_KINDS:
        NOTIFICATION_KINDS.add(app, kind)
    REMINDER_SOURCES.add(app, deadlines.signatures_due)
    PROPOSAL_KINDS.add(app, withdrawal.PROPOSAL_KIND)
    agreed_sections.init_app(app)
    # A party leaving: the version awaiting its signature closes, and the warning says so first.
    signals.party_left.connect(services.close_for_party_that_left)
    leaving.CONSEQUENCES.add(app, services.leaving_consequences)
    # What a proposed new party would see: the versions.
    what_a_new_party_sees.connect(admission.versions_seen)
