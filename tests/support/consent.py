"""Proposals in tests: every asked party agrees, as their admins (or signatories) would."""

import sqlalchemy as sa

from app.consent import services as consent
from app.extensions import db
from app.partnerships.models import Invitation, Membership, Role


def answerer(proposal, party_id: int) -> Membership:
    query = sa.select(Membership).where(Membership.party_id == party_id)
    if proposal.answered_by == "signatory":
        query = query.where(Membership.is_signatory.is_(True))
    else:
        query = query.where(Membership.role == Role.ADMIN.value)
    return db.session.scalars(query.order_by(Membership.id)).first()


def agree_for_every_party(proposal):
    """Every asked party agrees (in order); returns the proposal as it ends."""
    for party_id in list(proposal.asked_party_ids):
        if proposal.status != "open":
            break
        proposal = consent.respond(answerer(proposal, party_id), proposal, "agree")
    db.session.flush()
    return proposal


def admitted(proposer: Membership, **details) -> Invitation:
    """Propose a new party and have every other party agree; the invitation it sent."""
    from app.invitations import services as invitations

    proposal = agree_for_every_party(invitations.propose_new_party(proposer, **details))
    assert proposal.status == "agreed", proposal.outcome
    return db.session.scalar(sa.select(Invitation).where(Invitation.proposal_id == proposal.id))
