"""Withdrawing an issued plan version goes through consent: an admin proposes it with a reason,
and the version is withdrawn only when every other party agrees.

Signing goes on while a withdrawal is proposed. The version's row lock decides a race between
the last signature and the last agreement: whichever takes the lock first wins, and the other
finds the version signed (the withdrawal lapses) or withdrawn (the signature is refused).
"""

import sqlalchemy as sa

from app.audit.services import record_event
from app.consent import services as consent
from app.consent.kinds import Kind, Lapsed
from app.consent.models import Proposal
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Partnership
from app.plan_versions.models import PlanVersion
from app.plan_versions.services import STATUS_LABELS, _locked_version, version_path
from app.types import utcnow

KIND = "withdraw_version"


def _target(payload: dict) -> str:
    return f"version:{payload['version_id']}"


def open_withdrawal(version: PlanVersion) -> Proposal | None:
    """The withdrawal proposed for this version and still waiting for answers, if any."""
    return consent.already_proposed(version.partnership_id, consent.get_kind(KIND), {"version_id": version.id})


def latest_withdrawal(version: PlanVersion) -> Proposal | None:
    """The newest withdrawal proposal of this version, whatever became of it."""
    return next((p for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.partnership_id == version.partnership_id, Proposal.kind == KIND)
        .order_by(Proposal.id.desc())) if p.payload.get("version_id") == version.id), None)


def propose_withdrawal(membership: Membership, version: PlanVersion, reason: str) -> Proposal:
    """An admin proposes withdrawing a version awaiting signatures. Raises RuleViolation
    (the reason, or the version no longer awaits) or consent.ConsentError (403, 409)."""
    if not has_permission(membership, Permission.EDIT_PARTNERSHIP):
        raise consent.ConsentError("Only an admin of your party can propose withdrawing a plan version.", 403)
    if version.partnership_id != membership.partnership_id:
        raise consent.ConsentError("That version belongs to another partnership.", 404)
    if version.status != "awaiting":
        raise consent.ConsentError(
            f"{version.label} is {STATUS_LABELS[version.status].lower()}: only a version awaiting "
            "signatures can be withdrawn.", 409)
    return consent.propose(
        membership, KIND, {"version_id": version.id, "label": version.label},
        summary=f"Withdraw plan {version.label}", reason=reason, reason_required=True,
    )


def _version(proposal: Proposal) -> PlanVersion | None:
    return db.session.scalar(sa.select(PlanVersion).where(
        PlanVersion.id == proposal.payload["version_id"], PlanVersion.partnership_id == proposal.partnership_id))


def _check(proposal: Proposal) -> str | None:
    version = _version(proposal)
    if version is None:
        return "the version no longer exists."
    return _why_not(version)


def _why_not(version: PlanVersion) -> str | None:
    if version.status == "signed":
        return f"every party signed {version.label} meanwhile, so it is the signed baseline now."
    if version.status == "declined":
        return f"{version.label} was declined meanwhile, so it is no longer out for signature."
    if version.status == "withdrawn":
        return f"{version.label} is already withdrawn."
    return None


def _apply(proposal: Proposal, membership: Membership) -> None:
    version = _locked_version(_version(proposal))  # the last signature waits for this, or this for it
    why_not = _why_not(version)
    if why_not:
        raise Lapsed(why_not)
    now = utcnow()
    version.status = "withdrawn"
    version.closed_at = now
    version.closed_by_id = proposal.proposed_by_id
    version.closed_party_id = proposal.proposed_by_party_id
    version.close_reason = proposal.reason
    db.session.flush()
    record_event(
        "plan.version_withdrawn", actor=proposal.proposed_by, partnership_id=version.partnership_id,
        party_id=proposal.proposed_by_party_id, obj=version,
        details={"version": version.label, "reason": proposal.reason[:500], "proposal": proposal.id},
    )
    link = version_path(version)
    _close_signature_requests(version, now)
    notify(
        members_of_partnership(version.partnership_id), "version_withdrawn",
        partnership=db.session.get(Partnership, version.partnership_id), actor=membership.user, include_actor=True,
        title=f"Plan {version.label} is withdrawn with every party's agreement: it can no longer be signed",
        body=f"{proposal.proposed_by_party.name} asked for it: {proposal.reason}", link=link,
        dedupe_key=f"version_withdrawn:{version.id}",
    )


def _close_signature_requests(version: PlanVersion, now) -> None:
    """The "please sign" notifications of the version now say it was withdrawn, and the
    unread ones are marked read: nobody is sent to sign a version that cannot be signed."""
    for note in db.session.scalars(sa.select(Notification).where(
            Notification.kind == "signature_requested",
            Notification.dedupe_key == f"signature_requested:{version.id}")):
        note.title = f"Withdrawn: plan {version.label} no longer needs your signature"
        note.body = "Every party agreed to withdraw it; the version's page says why."
        note.updated_at = now
        if note.read_at is None:
            note.read_at = now
    db.session.flush()


PROPOSAL_KIND = Kind(
    key=KIND,
    label="Withdraw an issued plan version",
    template="consent/kinds/withdraw_version.html",
    apply=_apply,
    check=_check,
    target=_target,
)
