"""Releasing a promise goes through consent: a party to it (promisor or promisee) proposes it
with a reason, and it is released only when every other party agrees. A promise kept, broken or
released meanwhile makes the proposal lapse.
"""

from app.audit.services import record_event
from app.consent import services as consent
from app.consent.kinds import Kind, Lapsed
from app.consent.models import Proposal
from app.extensions import db
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership
from app.promises.ledger import Promise, promise_of
from app.promises.services import locked_record
from app.types import utcnow

KIND = "release_promise"


def _target(payload: dict) -> str:
    return f"promise:{payload['key']}"


def open_release(promise: Promise, partnership_id: int) -> Proposal | None:
    return consent.already_proposed(partnership_id, consent.get_kind(KIND), {"key": promise.key})


def may_propose_release(membership: Membership, promise: Promise) -> bool:
    return (has_permission(membership, Permission.EDIT_PLAN) and promise.state == "open"
            and (promise.promisor.id == membership.party_id or promise.made_to(membership.party_id)))


def propose_release(membership: Membership, promise: Promise, reason: str) -> Proposal:
    """Raises consent.ConsentError (not a party to it, no longer open, already proposed) or
    RuleViolation (the reason)."""
    if not (promise.promisor.id == membership.party_id or promise.made_to(membership.party_id)):
        raise consent.ConsentError("Only the parties to a promise can propose releasing it.", 403)
    if not has_permission(membership, Permission.EDIT_PLAN):
        raise consent.ConsentError("Only editors and admins can propose releasing a promise.", 403)
    if promise.state != "open":
        raise consent.ConsentError("Only an open promise can be released: this one is settled.", 409)
    return consent.propose(
        membership, KIND, {"key": promise.key, "title": promise.title[:200], "promisor": promise.promisor.name,
                           "due_on": promise.due_on.isoformat()},
        summary=f"Release {promise.promisor.name} from “{promise.title[:160]}”", reason=reason, reason_required=True,
    )


def _why_not(proposal: Proposal) -> str | None:
    promise = promise_of(proposal.partnership_id, proposal.payload["key"])
    if promise is None:
        return "the promise is no longer in the ledger (its source was removed)."
    if promise.state == "released":
        return "it is already released."
    if promise.state != "open":
        return f"it is settled meanwhile: {promise.outcome_label.lower()}."
    return None


def _apply(proposal: Proposal, membership: Membership) -> None:
    record = locked_record(proposal.partnership_id, proposal.payload["key"])
    why_not = _why_not(proposal)
    if why_not:
        raise Lapsed(why_not)
    now = utcnow()
    record.released_at, record.release_proposal_id, record.release_reason = now, proposal.id, proposal.reason
    record.version += 1
    record.updated_at = now
    db.session.flush()
    record_event("promise.released", actor=proposal.proposed_by, partnership_id=proposal.partnership_id,
                 party_id=proposal.proposed_by_party_id, obj=record,
                 details={"promise": proposal.payload["title"], "promisor": proposal.payload["promisor"],
                          "reason": proposal.reason[:500], "proposal": proposal.id})


PROPOSAL_KIND = Kind(
    key=KIND,
    label="Release a promise",
    template="consent/kinds/release_promise.html",
    apply=_apply,
    check=_why_not,
    target=_target,
    proposed_by="editor",
)
