"""Proposals in tests: made through the services, every asked party agreeing as their admins (or
signatories) would; a third party joining; the audit events and notifications they leave."""

import sqlalchemy as sa

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.consent import profile
from app.consent import services as consent
from app.consent.models import Proposal
from app.extensions import db
from app.notifications.models import Notification
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.partnerships.models import Invitation, Membership, Partnership, Role
from tests.support.factories import PartyPeople, make_colleague, make_organisation_user


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


def member(partnership_id: int, user: User):
    return load_membership(partnership_id, db.session.get(User, user.id))


def details(partnership: Partnership, **changes) -> dict:
    """The partnership's details as the settings form would send them, with `changes`."""
    return {**{field: getattr(partnership, field) for field in profile.FIELDS}, **changes}


def propose_rename(world, user=None, name: str = "Renamed Alliance", **more) -> Proposal:
    user = user or world.a.admin
    partnership = db.session.get(Partnership, world.partnership.id)
    proposal = profile.propose_changes(member(partnership.id, user), details(partnership, name=name, **more),
                                         reason="Agreed at the steering group.")
    db.session.commit()
    return proposal


def add_third_party(world, name: str = "Delta Co") -> PartyPeople:
    """A third organisation joins the partnership directly (no proposal), with an admin, editor
    and viewer; its admin is a signatory."""
    admin = make_organisation_user(name, email=f"cat@{name.split()[0].lower()}.example.com", name="Cat Admin")
    partnership = db.session.get(Partnership, world.partnership.id)
    party = partnerships.add_party(partnership, admin.organisation_id, actor=admin)
    partnerships.add_membership(party, admin, role="admin", is_signatory=True, actor=admin)
    people = PartyPeople(admin, make_colleague(admin.organisation, name="Cy Editor"),
                         make_colleague(admin.organisation, name="Cleo Viewer"), party)
    partnerships.add_membership(party, people.editor, role="editor", is_signatory=False, actor=admin)
    partnerships.add_membership(party, people.viewer, role="viewer", is_signatory=False, actor=admin)
    db.session.commit()
    return people


def events(action: str, **where) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def notified(kind: str, *, key_prefix: str | None = None) -> dict[int, list[Notification]]:
    """{recipient id: [notifications of this kind]}."""
    query = sa.select(Notification).where(Notification.kind == kind)
    if key_prefix:
        query = query.where(Notification.dedupe_key.startswith(key_prefix))
    found: dict[int, list[Notification]] = {}
    for notification in db.session.scalars(query.order_by(Notification.id)):
        found.setdefault(notification.recipient_id, []).append(notification)
    return found


def fresh(proposal: Proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)
