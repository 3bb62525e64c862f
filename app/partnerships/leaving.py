"""A party may always leave a partnership: that is its right, and it needs no one's consent.

One of its admins leaves for the party, with a reason. The party's row stays (every record
made while it took part keeps naming it) and is marked as having left; its people's
memberships are removed, so the membership gate answers 404 to them from then on. Nothing
that happened before changes. The features that wait on parties react to `party_left`.
"""

from collections.abc import Callable

import sqlalchemy as sa

from app.audit.actions import AuditAction
from app.audit.services import record_event
from app.extensions import db
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Invitation, Membership, Partnership, Party
from app.partnerships.signals import party_left
from app.registries import Registry
from app.rules import RuleViolation
from app.types import utcnow

REASON_MAX = 2000

AUDIT_ACTION = AuditAction("partnership.party_left", "Party left",
                           "{actor} took {party} out of the partnership: “{reason}”")


# What leaving would change, in a sentence each, from the features that wait on parties (they
# add theirs from their init_app): fn(party) -> list of sentences for the warning page.
CONSEQUENCES = Registry[Callable[[Party], list[str]]]("leaving_consequences")


def consequences(party: Party) -> list[str]:
    return [sentence for source in CONSEQUENCES.all() for sentence in source(party)]


class LeavingRefused(RuleViolation):
    """Leaving is refused; `status` is the HTTP answer (403: not the party's admin, 409: the
    partnership's state does not allow it)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def check_may_leave(membership: Membership) -> None:
    """Refuse (LeavingRefused) unless the member is an admin of a party that can leave now."""
    party = membership.party
    if not has_permission(membership, Permission.MANAGE_OWN_PARTY):
        raise LeavingRefused(
            f"Only an admin of {party.name} can take {party.name} out of the partnership. "
            "To stop being a member yourself, use Leave partnership.", 403)
    if party.left_at is not None:
        raise LeavingRefused(f"{party.name} already left this partnership on {party.left_at:%-d %B %Y}.", 409)
    others = db.session.scalar(sa.select(sa.func.count()).select_from(Party).where(
        Party.partnership_id == membership.partnership_id, Party.id != party.id, Party.left_at.is_(None)))
    if not others:
        raise LeavingRefused(
            f"{party.name} is the only party left in {membership.partnership.name}: a partnership needs a party to "
            "keep its record, so the last one cannot leave. Set its status to Ended in the settings instead.", 409)


def leave_for_party(membership: Membership, reason: str) -> Party:
    """The member's party leaves the partnership, for the reason given. Returns the party."""
    reason = (reason or "").strip()
    # Leaves of one partnership one at a time, so two parties never both leave as "not the last".
    db.session.execute(sa.select(Partnership.id).where(Partnership.id == membership.partnership_id)
                       .with_for_update())
    party = db.session.scalar(sa.select(Party).where(Party.id == membership.party_id).with_for_update()
                              .execution_options(populate_existing=True))
    check_may_leave(membership)
    if not reason:
        raise RuleViolation(f"Say why {party.name} leaves: the other parties read it.", "reason")
    if len(reason) > REASON_MAX:
        raise RuleViolation(f"Keep the reason under {REASON_MAX} characters.", "reason")
    actor = membership.user
    partnership = membership.partnership
    now = utcnow()
    party.left_at, party.left_reason, party.left_by_id = now, reason, actor.id
    members = list(db.session.scalars(sa.select(Membership).where(Membership.party_id == party.id)))
    record_event(
        "partnership.party_left", actor=actor, partnership_id=partnership.id, party_id=party.id, obj=party,
        details={"party": party.name, "reason": reason[:500], "members": [m.user_id for m in members]},
    )
    for member in members:
        db.session.delete(member)
    _revoke_invitations(party, now)
    db.session.flush()
    party_left.send(party, actor=actor, reason=reason)
    return party


def _revoke_invitations(party: Party, now) -> None:
    """Invitations into the party, or sent by it, can no longer be accepted."""
    db.session.execute(
        sa.update(Invitation)
        .where(sa.or_(Invitation.party_id == party.id, Invitation.invited_by_party_id == party.id),
               Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
