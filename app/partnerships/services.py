"""Partnerships and their members.

Each function takes the acting membership (or user) explicitly, enforces the rule
it is about, flushes and records an audit event; the request commits.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.audit.services import record_event
from app.extensions import db
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import (
    REVIEW_CADENCES,
    Membership,
    Partnership,
    PartnershipStatus,
    PartnershipType,
    Party,
    Role,
)
from app.partnerships.signals import party_joined
from app.rules import RuleViolation


def _check_profile(name: str, type_: str, purpose: str, cadence: int, status: str | None = None) -> None:
    if not name.strip():
        raise RuleViolation("Give the partnership a name.", "name")
    if type_ not in set(PartnershipType):
        raise RuleViolation("Choose a type from the list.", "type")
    if not purpose.strip():
        raise RuleViolation("Say what the partnership is for.", "purpose")
    if cadence not in REVIEW_CADENCES:
        raise RuleViolation("Choose a review cadence from the list.", "review_cadence_months")
    if status is not None and status not in set(PartnershipStatus):
        raise RuleViolation("Choose a status from the list.", "status")


def may_start_partnership(user: User) -> bool:
    """Organisation admins decide who may start a partnership: themselves only, or any member."""
    return bool(user.active and (user.is_org_admin or user.organisation.partnership_starters == "members"))


STARTERS_ONLY_ADMINS = (
    "Only {organisation}'s organisation admins can start a partnership; an organisation admin can start it "
    "and invite you, or allow every member to start one in the organisation's settings."
)


def create_partnership(
    user: User,
    *,
    name: str,
    type: str,
    purpose: str,
    start_date: date,
    review_cadence_months: int = 3,
) -> Partnership:
    """A new partnership: the creator's organisation is its first party, the creator its admin
    (so only someone their organisation allows to start one may create it)."""
    if not may_start_partnership(user):
        raise RuleViolation(STARTERS_ONLY_ADMINS.format(organisation=user.organisation.name))
    _check_profile(name, type, purpose, review_cadence_months)
    partnership = Partnership(
        name=name.strip(),
        type=type,
        purpose=purpose.strip(),
        start_date=start_date,
        review_cadence_months=review_cadence_months,
        status=PartnershipStatus.FORMING.value,
        created_by_id=user.id,
    )
    db.session.add(partnership)
    db.session.flush()
    party = add_party(partnership, user.organisation_id, actor=user)
    add_membership(party, user, role=Role.ADMIN, is_signatory=True, actor=user)
    record_event(
        "partnership.created",
        actor=user,
        partnership_id=partnership.id,
        party_id=party.id,
        obj=partnership,
        details={"name": partnership.name, "type": partnership.type},
    )
    return partnership


PROFILE_FIELDS = ("name", "type", "purpose", "start_date", "review_cadence_months", "status")


def update_partnership(actor: Membership, **changes) -> dict:
    """Change the partnership's profile (admins of any party). Returns what changed."""
    if not has_permission(actor, Permission.EDIT_PARTNERSHIP):
        raise RuleViolation("Only admins can change the partnership's details.")
    partnership = actor.partnership
    values = {field: changes.get(field, getattr(partnership, field)) for field in PROFILE_FIELDS}
    _check_profile(values["name"], values["type"], values["purpose"], values["review_cadence_months"], values["status"])
    values["name"], values["purpose"] = values["name"].strip(), values["purpose"].strip()
    changed = {}
    for field, value in values.items():
        old = getattr(partnership, field)
        if old != value:
            changed[field] = [_plain(old), _plain(value)]
            setattr(partnership, field, value)
    if changed:
        record_event(
            "partnership.updated",
            actor=actor.user,
            partnership_id=partnership.id,
            party_id=actor.party_id,
            obj=partnership,
            details=_shorten(changed),
        )
    return changed


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _shorten(changed: dict, limit: int = 200) -> dict:
    """Keep audit details small: long texts are cut."""
    short = {}
    for field, (old, new) in changed.items():
        short[field] = [v[:limit] + "…" if isinstance(v, str) and len(v) > limit else v for v in (old, new)]
    return short


def lock_partnership(partnership_id: int) -> None:
    """Serialise what depends on who takes part: proposing (one open proposal per target),
    the last answer that applies a change, and a party joining (PostgreSQL row lock; SQLite
    writes are serial anyway). Taken before any proposal's lock, always in that order.

    FOR NO KEY UPDATE, not FOR UPDATE: a session that holds another lock (a version being
    signed) and inserts a row referring to the partnership takes a key-share lock on it, which
    FOR UPDATE would block, deadlocking against the answer waiting for that version."""
    db.session.execute(sa.select(Partnership.id).where(Partnership.id == partnership_id)
                       .with_for_update(key_share=True))


def add_party(partnership: Partnership, organisation_id: int, *, actor: User | None) -> Party:
    # Under the lock an answer applying a proposal takes: the proposal is made before the party
    # joins, or it sees the new party and lapses; open proposals lapse (consent hears
    # party_joined), as they did not ask it.
    lock_partnership(partnership.id)
    party = Party(partnership_id=partnership.id, organisation_id=organisation_id)
    db.session.add(party)
    db.session.flush()
    party_joined.send(party)
    record_event(
        "party.joined",
        actor=actor,
        partnership_id=partnership.id,
        party_id=party.id,
        obj=party,
        details={"organisation_id": organisation_id},
    )
    return party


def add_membership(party: Party, user: User, *, role: str, is_signatory: bool, actor: User | None) -> Membership:
    if user.organisation_id != party.organisation_id:
        raise RuleViolation("People join a partnership through their own organisation's party.")
    existing = find_membership(party.partnership_id, user.id)
    if existing is not None:
        raise RuleViolation(f"{user.full_name} is already a member of this partnership.")
    membership = Membership(
        partnership_id=party.partnership_id,
        party_id=party.id,
        user_id=user.id,
        role=Role(role).value,
        is_signatory=is_signatory,
    )
    db.session.add(membership)
    db.session.flush()
    record_event(
        "membership.added",
        actor=actor,
        partnership_id=party.partnership_id,
        party_id=party.id,
        obj=membership,
        details={"user_id": user.id, "role": membership.role, "is_signatory": is_signatory},
    )
    return membership


def find_membership(partnership_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(Membership.partnership_id == partnership_id, Membership.user_id == user_id)
    )


def _lock_party(party_id: int) -> Party:
    """Serialise membership changes within a party (keeps the last-admin rule true)."""
    return db.session.execute(
        sa.select(Party).where(Party.id == party_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _admin_count(party_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.party_id == party_id, Membership.role == Role.ADMIN.value
        )
    )


def _check_manages(actor: Membership, target: Membership) -> None:
    if target.partnership_id != actor.partnership_id:
        raise RuleViolation("That person is not a member of this partnership.")
    if not has_permission(actor, Permission.MANAGE_OWN_PARTY) or target.party_id != actor.party_id:
        raise RuleViolation("Only an admin of their own party can change a member's role.")


def change_member(actor: Membership, target: Membership, *, role: str, is_signatory: bool) -> dict:
    _check_manages(actor, target)
    if role not in set(Role):
        raise RuleViolation("Choose a role from the list.", "role")
    _lock_party(target.party_id)
    db.session.refresh(target)
    if target.role == Role.ADMIN and role != Role.ADMIN and _admin_count(target.party_id) <= 1:
        raise RuleViolation(
            f"{target.user.full_name} is the last admin of {target.party.name}. Make someone else admin first.",
            "role",
        )
    changed = {}
    if target.role != role:
        changed["role"] = [target.role, role]
        target.role = role
    if target.is_signatory != is_signatory:
        changed["is_signatory"] = [target.is_signatory, is_signatory]
        target.is_signatory = is_signatory
    if changed:
        record_event(
            "membership.changed",
            actor=actor.user,
            partnership_id=target.partnership_id,
            party_id=target.party_id,
            obj=target,
            details={"user_id": target.user_id, **changed},
        )
    return changed


def _remove(target: Membership, *, actor: User, action: str) -> None:
    _lock_party(target.party_id)
    db.session.refresh(target)
    if target.role == Role.ADMIN and _admin_count(target.party_id) <= 1:
        raise RuleViolation(
            f"{target.user.full_name} is the last admin of {target.party.name} in this partnership. "
            "Make someone else admin first."
        )
    record_event(
        action,
        actor=actor,
        partnership_id=target.partnership_id,
        party_id=target.party_id,
        obj=target,
        details={"user_id": target.user_id, "role": target.role},
    )
    db.session.delete(target)
    db.session.flush()


def remove_member(actor: Membership, target: Membership) -> None:
    _check_manages(actor, target)
    if target.id == actor.id:
        raise RuleViolation("To leave the partnership yourself, use Leave partnership.")
    _remove(target, actor=actor.user, action="membership.removed")


def leave_partnership(membership: Membership) -> None:
    _remove(membership, actor=membership.user, action="membership.left")


def former_parties(partnership: Partnership) -> list[Party]:
    """The parties that left, most recent first."""
    return list(db.session.scalars(
        sa.select(Party).where(Party.partnership_id == partnership.id, Party.left_at.is_not(None))
        .options(joinedload(Party.organisation)).order_by(Party.left_at.desc())
    ))


def members_by_party(partnership: Partnership) -> list[tuple[Party, list[Membership]]]:
    """The parties taking part now, each with its members (admins first)."""
    parties = db.session.scalars(
        sa.select(Party)
        .where(Party.partnership_id == partnership.id, Party.left_at.is_(None))
        .options(
            joinedload(Party.organisation),
            selectinload(Party.memberships).joinedload(Membership.user),
        )
        .order_by(Party.id)
    ).all()
    role_order = {Role.ADMIN: 0, Role.EDITOR: 1, Role.VIEWER: 2}
    return [
        (party, sorted(party.memberships, key=lambda m: (role_order[Role(m.role)], m.user.full_name.lower())))
        for party in parties
    ]


def partnerships_of(user: User) -> list[tuple[Partnership, Membership]]:
    """The partnerships the user is a member of, newest first, with their membership."""
    rows = db.session.execute(
        sa.select(Partnership, Membership)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.user_id == user.id)
        .options(selectinload(Partnership.parties).joinedload(Party.organisation))
        .order_by(Partnership.created_at.desc(), Partnership.id.desc())
    ).all()
    return [(p, m) for p, m in rows]
