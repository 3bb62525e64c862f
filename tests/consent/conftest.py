"""Partnerships with proposals: helpers shared by the consent tests."""

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.consent.kinds import KINDS, Kind, Lapsed, register_kind
from app.consent.models import Proposal
from app.extensions import db
from app.notifications.models import Notification
from app.partnerships import proposals
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.partnerships.models import Partnership
from tests.support.factories import PartyPeople, make_colleague, make_organisation_user


def member(partnership_id: int, user: User):
    return load_membership(partnership_id, db.session.get(User, user.id))


def details(partnership: Partnership, **changes) -> dict:
    """The partnership's details as the settings form would send them, with `changes`."""
    return {**{field: getattr(partnership, field) for field in proposals.FIELDS}, **changes}


def propose_rename(world, user=None, name: str = "Renamed Alliance", **more) -> Proposal:
    user = user or world.a.admin
    partnership = db.session.get(Partnership, world.partnership.id)
    proposal = proposals.propose_changes(member(partnership.id, user), details(partnership, name=name, **more),
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


def _apply_purpose(proposal, _membership) -> None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    if proposal.payload.get("lapse_on_apply"):
        raise Lapsed("the test said so when applying.")
    partnership.purpose = proposal.payload["purpose"]


def _check_purpose(proposal) -> str | None:
    partnership = db.session.get(Partnership, proposal.partnership_id)
    expected = proposal.payload.get("only_if_name")
    if expected is not None and partnership.name != expected:
        return "the name is no longer the one it was proposed for."
    return None


@pytest.fixture
def signatory_kind():
    """A kind answered by each other party's signatory, registered for one test only."""
    kind = register_kind(Kind(
        key="test_signed_purpose", label="Set the purpose (signatories answer)",
        template="consent/kinds/profile.html", apply=_apply_purpose, answered_by="signatory",
        check=_check_purpose, target=lambda payload: payload.get("target", "purpose"),
    ))
    yield kind
    KINDS.pop(kind.key, None)


@pytest.fixture
def checked_kind():
    """An admin-answered kind whose check lapses it when the name moved on."""
    kind = register_kind(Kind(
        key="test_checked_purpose", label="Set the purpose if the name is unchanged",
        template="consent/kinds/profile.html", apply=_apply_purpose, check=_check_purpose,
    ))
    yield kind
    KINDS.pop(kind.key, None)
