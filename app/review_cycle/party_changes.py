"""Parties joining and leaving while a cycle is open: a party admitted during Review takes part
in it; a party that leaves is waited for no more."""

from datetime import datetime

import sqlalchemy as sa

from app.audit.services import record_event
from app.extensions import db
from app.partnerships.models import Party
from app.review_cycle.assessments import reveal_if_complete
from app.review_cycle.cycles import is_party_of, lock, open_cycles_of
from app.review_cycle.models import Assessment, ReviewCycle
from app.review_cycle.stages import advance_if_agreed
from app.types import utcnow


def admitted_into_open_cycle_receiver(party: Party) -> None:
    """An agreed admission asked for the new party to take part in the open cycles, if any."""
    for cycle in open_cycles_of(party.partnership_id):
        admit_into_open_cycle(cycle, party)


def admit_into_open_cycle(cycle: ReviewCycle, party: Party, *, actor=None) -> bool:
    """Add a newly admitted party to an open cycle's parties, as an agreed admission may ask;
    only while the cycle is in Review with no results revealed (otherwise it joins from the
    next cycle). True when it was added."""
    cycle = lock(cycle)
    if cycle.partnership_id != party.partnership_id or party.left_at is not None:
        return False
    if cycle.stage != "review" or cycle.revealed_at is not None or is_party_of(cycle, party.id):
        return False
    cycle.parties = [*cycle.parties, {"party_id": party.id, "name": party.name}]
    db.session.flush()
    record_event("review.party_included", actor=actor, partnership_id=cycle.partnership_id, party_id=party.id,
                 obj=cycle, details={"period": cycle.period, "party": party.name})
    return True


def party_left_open_cycles(party: Party, *, actor=None, at: datetime | None = None) -> list[ReviewCycle]:
    """A party left: the open cycles (a review, a maturity assessment) stop waiting for it."""
    return [cycle for cycle in open_cycles_of(party.partnership_id)
            if party_left_open_cycle(cycle, party, actor=actor, at=at) is not None]


def party_left_open_cycle(cycle: ReviewCycle, party: Party, *, actor=None,
                          at: datetime | None = None) -> ReviewCycle | None:
    """A party left: the open cycle stops waiting for it. Unless it had already submitted (then
    its review stays part of the record), it is no longer one of the cycle's parties; the cycle
    is revealed, or moves on, if the remaining parties have done what it waited for."""
    if not is_party_of(cycle, party.id):
        return None
    cycle = lock(cycle)
    now = at or utcnow()
    submitted = db.session.scalar(sa.select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.party_id == party.id, Assessment.submitted_at.is_not(None)))
    if submitted is None:
        cycle.parties = [entry for entry in cycle.parties if int(entry["party_id"]) != party.id]
        db.session.flush()
    record_event("review.party_left_cycle", actor=actor, partnership_id=cycle.partnership_id, party_id=party.id,
                 obj=cycle, details={"period": cycle.period, "party": party.name, "kept": submitted is not None})
    if not reveal_if_complete(cycle, now, actor=actor, party_id=None):
        advance_if_agreed(cycle, now, actor=actor, party_id=None)
    return cycle


def party_left_receiver(party: Party, actor=None, **_) -> None:
    party_left_open_cycles(party, actor=actor)


def leaving_consequences(party: Party) -> list[str]:
    said = []
    for cycle in open_cycles_of(party.partnership_id):
        if not is_party_of(cycle, party.id):
            continue
        submitted = db.session.scalar(sa.select(Assessment.id).where(
            Assessment.cycle_id == cycle.id, Assessment.party_id == party.id, Assessment.submitted_at.is_not(None)))
        if submitted is not None:
            said.append(f"The {cycle.name} no longer waits for {party.name}; the assessment it submitted stays "
                        "part of the record." if cycle.is_maturity else
                        f"The {cycle.name} no longer waits for {party.name}; the review it submitted stays part "
                        "of the cycle.")
        else:
            said.append(f"The {cycle.name} no longer waits for {party.name}: it goes on with the other parties.")
    return said
