"""Proposals: a change to the partnership itself takes effect only when every other party agrees.

- `propose`: an admin of a party proposes a change of a registered kind (app/consent/kinds.py).
  Every other party taking part is asked; with no other party, it applies at once.
- `respond`: an admin (or, for some kinds, a signatory) of an asked party agrees or declines
  with a reason. The last agreement applies the change in the same transaction; one decline
  ends it.
- `withdraw`: the proposing party takes it back. `expire_overdue`: open proposals past their
  date expire. `lapse_open`: the parties changed (one left, one joined), so open proposals
  no longer ask everyone and lapse.

Every answer locks the proposal's row first, so on PostgreSQL two answers at once, an answer
and a withdrawal, or an answer after expiry end in exactly one outcome.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit.services import record_event
from app.consent.kinds import ConsentError, Kind, Lapsed, get_kind
from app.consent.models import OPEN, Proposal, ProposalResponse
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.links import path_for
from app.notifications.services import members_of_partnership, notify
from app.partnerships.models import Membership, Partnership, Party, Role
from app.partnerships.parties import current_parties
from app.partnerships.services import lock_partnership
from app.rules import RuleViolation
from app.types import utcnow

REASON_MAX = 2000
SUMMARY_MAX = 300


def proposal_path(proposal: Proposal) -> str:
    return path_for("consent.show", partnership_id=proposal.partnership_id, proposal_id=proposal.id)


def lock(proposal: Proposal) -> Proposal:
    """Re-read the proposal under a row lock: what other answers committed is now visible."""
    return db.session.scalar(
        sa.select(Proposal).where(Proposal.id == proposal.id).with_for_update()
        .execution_options(populate_existing=True)
    )


# -- who is asked ------------------------------------------------------------------------------


def asked_parties(proposal: Proposal) -> list[Party]:
    # By primary key, so parties already loaded (every partnership page loads its parties) cost
    # no query: lists call this once per proposal.
    parties = (db.session.get(Party, party_id) for party_id in proposal.asked_party_ids)
    return [party for party in parties if party is not None]


def answers_by_party(proposal: Proposal) -> dict[int, ProposalResponse]:
    return {response.party_id: response for response in proposal.responses}


def waiting_for(proposal: Proposal) -> list[Party]:
    """The asked parties that have not answered yet."""
    answered = answers_by_party(proposal)
    return [party for party in asked_parties(proposal) if party.id not in answered]


def may_answer_for_party(membership: Membership, proposal: Proposal) -> bool:
    """Whether this member's answer counts for their party (admins, or signatories per kind)."""
    if membership.party_id not in proposal.asked_party_ids:
        return False
    if proposal.answered_by == "signatory":
        return membership.is_signatory
    return membership.role == Role.ADMIN.value


def answerers(partnership_id: int, party_id: int, answered_by: str) -> list:
    if answered_by == "signatory":
        return members_of_partnership(partnership_id, party_id=party_id, signatories_only=True)
    return members_of_partnership(partnership_id, party_id=party_id, roles=[Role.ADMIN])


def is_overdue(proposal: Proposal, now: datetime | None = None) -> bool:
    return proposal.is_open and proposal.expires_at <= (now or utcnow())


def details_visible(proposal: Proposal, party_id: int | None) -> bool:
    return party_id == proposal.proposed_by_party_id or get_kind(proposal.kind).details_visible(proposal, party_id)


# -- proposing ---------------------------------------------------------------------------------


def _clean_reason(reason: str | None, *, required: bool, field: str = "reason", what: str = "a reason") -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise RuleViolation(f"Give {what}: the other parties read it.", field)
    if len(reason) > REASON_MAX:
        raise RuleViolation(f"Keep it under {REASON_MAX} characters (it has {len(reason)}).", field)
    if has_control_characters(reason):
        raise RuleViolation(CONTROL_MESSAGE, field)
    return reason


def already_proposed(partnership_id: int, kind: Kind, payload: dict) -> Proposal | None:
    """The open proposal changing the same thing, if any (one open proposal per target)."""
    if kind.target is None:
        return None
    target = kind.target(payload)
    for proposal in db.session.scalars(sa.select(Proposal).where(
            Proposal.partnership_id == partnership_id, Proposal.kind == kind.key, Proposal.status == OPEN)):
        if kind.target(proposal.payload) == target and not is_overdue(proposal):
            return proposal
    return None


def propose(
    membership: Membership, kind_key: str, payload: dict, *, summary: str, reason: str = "",
    reason_required: bool = False, at: datetime | None = None,
) -> Proposal:
    """Propose a change; it applies at once only when no other party takes part.

    The caller checks the change itself (its form) before proposing; `check` runs again
    when the last party agrees.
    """
    kind = get_kind(kind_key)
    if not may_propose(membership, kind):
        raise ConsentError("Only an admin of your party can propose a change to the partnership."
                           if kind.proposed_by == "admin" else "Only admins and editors can propose this change.", 403)
    reason = _clean_reason(reason, required=reason_required)
    lock_partnership(membership.partnership_id)
    partnership = db.session.get(Partnership, membership.partnership_id)
    existing = already_proposed(partnership.id, kind, payload)
    if existing is not None:
        raise ConsentError(
            f"{existing.proposed_by_party.name} already proposed this ({existing.summary}); "
            "answer or withdraw that proposal first.", 409)
    now = at or utcnow()
    others = [party.id for party in current_parties(partnership.id) if party.id != membership.party_id]
    proposal = Proposal(
        partnership_id=partnership.id, kind=kind.key, payload=payload, summary=summary[:SUMMARY_MAX],
        reason=reason, answered_by=kind.answered_by, asked_party_ids=others,
        proposed_by_id=membership.user_id, proposed_by_party_id=membership.party_id,
        created_at=now, expires_at=now + timedelta(days=partnership.proposal_ttl_days), status=OPEN,
    )
    db.session.add(proposal)
    db.session.flush()
    record_event("proposal.made", actor=membership.user, partnership_id=partnership.id,
                 party_id=membership.party_id, obj=proposal,
                 details={"kind": kind.key, "summary": proposal.summary, "asked": len(others)})
    if not others:
        _apply(proposal, membership, now, outcome="Applied at once: no other party takes part to be asked.")
        return proposal
    for party_id in others:
        notify(answerers(partnership.id, party_id, kind.answered_by), "proposal_waiting", partnership=partnership,
               actor=membership.user,
               title=f"{membership.party.name} asks for your party's agreement: {proposal.summary}",
               body=f"Agree or decline by {proposal.expires_at:%-d %B %Y}; nothing changes until every party agrees.",
               link=proposal_path(proposal), dedupe_key=f"proposal_waiting:{proposal.id}")
    return proposal


# -- answering ---------------------------------------------------------------------------------


def _still_open(proposal: Proposal, now: datetime) -> None:
    if proposal.status == OPEN and proposal.expires_at <= now:
        _end(proposal, "expired", now, "Nobody decided before it expired; nothing changed.")
        raise ConsentError("This proposal expired before every party answered; nothing changed. "
                           "Propose it again if it is still wanted.", ended=True)
    if proposal.status != OPEN:
        raise ConsentError(f"This proposal is already {proposal.status}; answers are closed.")
    if sorted(p.id for p in current_parties(proposal.partnership_id)) != sorted(
            [*proposal.asked_party_ids, proposal.proposed_by_party_id]):
        _end(proposal, "lapsed", now, "The parties changed while it was open; nothing changed.")
        raise ConsentError("The partnership's parties changed since this was proposed, so it lapsed: "
                           "propose it again to ask every party taking part now.", ended=True)


def respond(membership: Membership, proposal: Proposal, answer: str, reason: str = "", *,
            at: datetime | None = None) -> Proposal:
    """Agree or decline for the member's party. Raises ConsentError (403/409) or RuleViolation."""
    if answer not in ("agree", "decline"):
        raise ConsentError("Answer agree or decline.", 400)
    if membership.party_id not in proposal.asked_party_ids:
        if membership.party_id == proposal.proposed_by_party_id:
            raise ConsentError("Your party proposed this: the other parties answer it.", 403)
        raise ConsentError("Your party is not asked to answer this proposal.", 403)
    if not may_answer_for_party(membership, proposal):
        who = "a signatory" if proposal.answered_by == "signatory" else "an admin"
        raise ConsentError(f"Only {who} of {membership.party.name} can answer for it.", 403)
    reason = _clean_reason(reason, required=answer == "decline", what="your reason for declining")
    now = at or utcnow()
    lock_partnership(proposal.partnership_id)
    proposal = lock(proposal)
    _still_open(proposal, now)
    db.session.refresh(proposal, ["responses"])
    earlier = answers_by_party(proposal).get(membership.party_id)
    if earlier is not None:
        raise ConsentError(
            f"{earlier.user.full_name} already answered for {membership.party.name} "
            f"({'agreed' if earlier.answer == 'agree' else 'declined'}).")
    db.session.add(ProposalResponse(proposal_id=proposal.id, party_id=membership.party_id,
                                    user_id=membership.user_id, answer=answer, reason=reason, answered_at=now))
    _answered_for_party(proposal, membership.party_id, now)
    db.session.flush()
    db.session.refresh(proposal, ["responses"])
    visible_reason = reason if details_visible(proposal, None) else ""
    if answer == "decline":
        record_event("proposal.declined", actor=membership.user, partnership_id=proposal.partnership_id,
                     party_id=membership.party_id, obj=proposal,
                     details={"summary": proposal.summary, "reason": visible_reason})
        _end(proposal, "declined", now, f"Declined by {membership.party.name}: “{reason}”", actor=membership)
        return proposal
    record_event("proposal.agreed", actor=membership.user, partnership_id=proposal.partnership_id,
                 party_id=membership.party_id, obj=proposal, details={"summary": proposal.summary})
    if waiting_for(proposal):
        return proposal
    _apply(proposal, membership, now, outcome="Agreed by every party; the change is made.")
    return proposal


def _answered_for_party(proposal: Proposal, party_id: int, now: datetime) -> None:
    """The party has answered: its members' "your agreement is asked" notices are done with."""
    from app.notifications.models import Notification

    party_members = sa.select(Membership.user_id).where(Membership.party_id == party_id)
    db.session.execute(
        sa.update(Notification)
        .where(Notification.dedupe_key == f"proposal_waiting:{proposal.id}", Notification.read_at.is_(None),
               Notification.recipient_id.in_(party_members))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def may_propose(membership: Membership, kind: Kind) -> bool:
    allowed = (Role.ADMIN.value,) if kind.proposed_by == "admin" else (Role.ADMIN.value, Role.EDITOR.value)
    return membership.role in allowed


def may_withdraw(membership: Membership, proposal: Proposal) -> bool:
    """An admin of the proposing party, or the person who proposed it."""
    if membership.party_id != proposal.proposed_by_party_id:
        return False
    return membership.role == Role.ADMIN.value or membership.user_id == proposal.proposed_by_id


def withdraw(membership: Membership, proposal: Proposal, *, at: datetime | None = None) -> Proposal:
    if not may_withdraw(membership, proposal):
        raise ConsentError("Only the person who proposed it, or an admin of their party, can withdraw it.", 403)
    now = at or utcnow()
    proposal = lock(proposal)
    if is_overdue(proposal, now):
        _end(proposal, "expired", now, "Nobody decided before it expired; nothing changed.")
        raise ConsentError("This proposal already expired; there is nothing to withdraw.", ended=True)
    if proposal.status != OPEN:
        raise ConsentError(f"This proposal is already {proposal.status}; there is nothing to withdraw.")
    record_event("proposal.withdrawn", actor=membership.user, partnership_id=proposal.partnership_id,
                 party_id=membership.party_id, obj=proposal, details={"summary": proposal.summary})
    _end(proposal, "withdrawn", now, f"Withdrawn by {membership.user.full_name} ({membership.party.name}).",
         actor=membership)
    return proposal


def _apply(proposal: Proposal, membership: Membership, now: datetime, *, outcome: str) -> None:
    kind = get_kind(proposal.kind)
    try:
        why_not = kind.check(proposal)
        if why_not:
            raise Lapsed(why_not)
        with db.session.begin_nested():  # a Lapsed raised midway undoes what apply began
            kind.apply(proposal, membership)
    except Lapsed as lapsed:
        _end(proposal, "lapsed", now, f"It no longer applies: {lapsed}", actor=membership)
        return
    proposal.status = "agreed"
    proposal.decided_at = now
    proposal.outcome = outcome
    record_event("proposal.applied", actor=membership.user, partnership_id=proposal.partnership_id,
                 party_id=membership.party_id, obj=proposal, details={"kind": kind.key, "summary": proposal.summary})
    _tell_outcome(proposal, membership, f"Agreed: {proposal.summary}")


def _end(proposal: Proposal, status: str, now: datetime, outcome: str, *, actor: Membership | None = None) -> None:
    proposal.status = status
    proposal.decided_at = now
    proposal.outcome = outcome
    if status in ("expired", "lapsed"):
        record_event(f"proposal.{status}", partnership_id=proposal.partnership_id, obj=proposal,
                     details={"summary": proposal.summary, "outcome": outcome})
    get_kind(proposal.kind).ended(proposal)
    title = {
        "declined": "Declined", "withdrawn": "Withdrawn", "expired": "Expired", "lapsed": "Lapsed",
    }[status]
    _tell_outcome(proposal, actor, f"{title}: {proposal.summary}")


def _tell_outcome(proposal: Proposal, actor: Membership | None, title: str) -> None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    admins = members_of_partnership(proposal.partnership_id, roles=[Role.ADMIN])
    people = {user.id: user for user in admins}
    people.setdefault(proposal.proposed_by_id, proposal.proposed_by)
    notify(list(people.values()), "proposal_outcome", partnership=partnership,
           actor=actor.user if actor is not None else None, title=title, body=proposal.outcome or "",
           link=proposal_path(proposal), dedupe_key=f"proposal_outcome:{proposal.id}")


# -- housekeeping ------------------------------------------------------------------------------


def expire_overdue(now: datetime | None = None) -> int:
    """Expire every open proposal past its date (a periodic job; answering checks too)."""
    now = now or utcnow()
    ids = list(db.session.scalars(sa.select(Proposal.id).where(Proposal.status == OPEN, Proposal.expires_at <= now)))
    expired = 0
    for proposal_id in ids:
        proposal = lock(db.session.get(Proposal, proposal_id))
        if proposal.status == OPEN and proposal.expires_at <= now:  # an answer may have decided it meanwhile
            _end(proposal, "expired", now, "Nobody decided before it expired; nothing changed.")
            expired += 1
    return expired


def lapse_open(partnership_id: int, why: str, *, at: datetime | None = None) -> int:
    """Lapse every open proposal of the partnership (the parties changed: they no longer ask
    everyone taking part)."""
    now = at or utcnow()
    count = 0
    for proposal in db.session.scalars(sa.select(Proposal).where(
            Proposal.partnership_id == partnership_id, Proposal.status == OPEN)).all():
        proposal = lock(proposal)
        if proposal.status == OPEN:
            _end(proposal, "lapsed", now, why)
            count += 1
    return count


# -- reading -----------------------------------------------------------------------------------


def open_proposals(partnership_id: int) -> list[Proposal]:
    return list(db.session.scalars(
        sa.select(Proposal).where(Proposal.partnership_id == partnership_id, Proposal.status == OPEN)
        .options(selectinload(Proposal.responses)).order_by(Proposal.created_at.desc(), Proposal.id.desc())
    ))


def decided_proposals(partnership_id: int, *, limit: int = 50) -> list[Proposal]:
    return list(db.session.scalars(
        sa.select(Proposal).where(Proposal.partnership_id == partnership_id, Proposal.status != OPEN)
        .options(selectinload(Proposal.responses))
        .order_by(Proposal.decided_at.desc(), Proposal.id.desc()).limit(limit)
    ))


def awaiting_answer(proposals: list[Proposal], party_id: int) -> list[Proposal]:
    """Of these open, unexpired proposals, those this party has yet to answer."""
    return [p for p in proposals if party_id in p.asked_party_ids and party_id not in answers_by_party(p)]


def waiting_on_party(partnership_id: int, party_id: int) -> list[Proposal]:
    """Open proposals this party has yet to answer."""
    now = utcnow()
    return awaiting_answer([p for p in open_proposals(partnership_id) if not is_overdue(p, now)], party_id)


def open_of_kind(partnership_id: int, kind_key: str) -> list[Proposal]:
    return [p for p in open_proposals(partnership_id) if p.kind == kind_key and not is_overdue(p)]
