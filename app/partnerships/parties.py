"""Who takes part in a partnership now, and who took part in a record when it was made.

`Partnership.parties` are the parties taking part now; `Partnership.all_parties` also holds
those that left. A plan version freezes its parties when issued and a review cycle when it
opens (`version_parties`, `cycle_parties`): records keep the parties they had when they
happened, whoever joins or leaves later.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Membership, Partnership, Party


def current_parties(partnership_id: int) -> list[Party]:
    return list(db.session.scalars(
        sa.select(Party).where(Party.partnership_id == partnership_id, Party.left_at.is_(None)).order_by(Party.id)
    ))


def signatory_ids(party_id: int) -> list[int]:
    return sorted(db.session.scalars(
        sa.select(Membership.user_id).where(Membership.party_id == party_id, Membership.is_signatory)
    ))


def version_parties(partnership: Partnership) -> list[dict]:
    """The parties of a version issued now, with the people who may sign for each."""
    return [
        {"party_id": party.id, "name": party.name, "signatories": signatory_ids(party.id)}
        for party in current_parties(partnership.id)
    ]


def cycle_parties(partnership: Partnership) -> list[dict]:
    """The parties of a review cycle opened now."""
    return [{"party_id": party.id, "name": party.name} for party in current_parties(partnership.id)]


@dataclass(frozen=True)
class RecordParty:
    """A party as a record names it: its id and the name it had when the record was made
    (an organisation renamed later, or a party that left, reads as the record has it)."""

    id: int
    name: str
    signatories: tuple[int, ...] = ()


def record_parties(stored: list[dict] | None) -> list[RecordParty]:
    """The parties frozen on a plan version or review cycle, in their stored order."""
    return [
        RecordParty(int(entry["party_id"]), str(entry["name"]), tuple(entry.get("signatories") or ()))
        for entry in stored or []
    ]


def record_party_ids(stored: list[dict] | None) -> set[int]:
    return {int(entry["party_id"]) for entry in stored or []}
