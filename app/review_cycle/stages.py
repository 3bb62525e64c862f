"""Stage gates: each party agrees to leave the cycle's stage; the last agreement advances it,
exactly once (agreements and the advance happen under the cycle's row lock)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit.services import record_event
from app.extensions import db
from app.jobs import enqueue_on_commit
from app.notifications.services import members_of_partnership, notify
from app.partnerships.access import Permission, check_permission
from app.partnerships.models import Membership, Partnership, Role
from app.review_cycle.assessments import reopened_party_ids
from app.review_cycle.cycles import cycle_path, is_party_of, lock, not_a_party_message, parties_of, parties_waited_for
from app.review_cycle.models import CLOSED, STAGE_LABELS, STAGES, ReviewCycle, StageAgreement
from app.rules import RuleViolation
from app.types import utcnow


def live_agreements(cycle: ReviewCycle, stage: str | None = None) -> list[StageAgreement]:
    return list(db.session.scalars(
        sa.select(StageAgreement)
        .where(StageAgreement.cycle_id == cycle.id, StageAgreement.stage == (stage or cycle.stage),
               StageAgreement.withdrawn_at.is_(None))
        .options(joinedload(StageAgreement.user))
        .order_by(StageAgreement.agreed_at)
    ))


def what_blocks(cycle: ReviewCycle) -> str | None:
    """Why nobody may agree to leave the current stage yet, or None."""
    if cycle.stage == "review" and cycle.revealed_at is None:
        return "Every party submits its review first."
    reopened = reopened_party_ids(cycle)
    if reopened:
        names = ", ".join(p.name for p in parties_of(cycle.partnership_id) if p.id in reopened)
        return f"{names} is correcting its assessment: it submits the correction first."
    return None


def agree(membership: Membership, cycle: ReviewCycle, stage: str, *, at: datetime | None = None) -> bool:
    """The member's party agrees to leave `stage`; True when that advanced the cycle.

    Refused out of order: a stage other than the current one (no skipping, no going back).
    """
    check_permission(membership, Permission.EDIT_PARTNERSHIP,
                     "Only a partnership admin can agree to move the cycle on for their party.")
    if cycle.partnership_id != membership.partnership_id:
        raise RuleViolation("That cycle belongs to another partnership.")
    cycle = lock(cycle)  # agreements and the advance, one at a time
    if stage not in cycle.stages:
        raise RuleViolation("There is no such stage." if stage not in STAGES
                            else f"The {cycle.name} has no {STAGE_LABELS[stage]} stage.")
    if cycle.stage == CLOSED:
        raise RuleViolation(f"The {cycle.name} is closed.")
    if stage != cycle.stage:
        if cycle.stages.index(stage) > cycle.stages.index(cycle.stage):
            raise RuleViolation(
                f"No stage may be skipped: the cycle is in {cycle.stage_label}, so it cannot leave "
                f"{STAGE_LABELS[stage]} yet."
            )
        raise RuleViolation(f"The cycle has already moved on from {STAGE_LABELS[stage]}: it is in {cycle.stage_label}.")
    if not is_party_of(cycle, membership.party_id):
        raise RuleViolation(not_a_party_message(cycle, membership.party))
    blocked = what_blocks(cycle)
    if blocked:
        raise RuleViolation(blocked)
    now = at or utcnow()
    live = live_agreements(cycle)
    if any(a.party_id == membership.party_id for a in live):
        raise RuleViolation(f"{membership.party.name} has already agreed.")
    agreement = StageAgreement(cycle_id=cycle.id, stage=stage, party_id=membership.party_id,
                               user_id=membership.user_id, agreed_at=now)
    db.session.add(agreement)
    db.session.flush()
    closing = stage == cycle.stages[-1]
    record_event("review.stage_agreed", actor=membership.user, partnership_id=cycle.partnership_id,
                 party_id=membership.party_id, obj=cycle, details={"period": cycle.period, "stage": stage})
    agreed = {a.party_id for a in live} | {membership.party_id}
    waiting = [p for p in parties_waited_for(cycle) if p.id not in agreed]
    partnership = membership.partnership
    if waiting:
        what = "close the cycle" if closing else f"move on from {STAGE_LABELS[stage]}"
        notify(members_of_partnership(cycle.partnership_id, roles=[Role.ADMIN], exclude_party_id=membership.party_id),
               "review_stage_changed", partnership=partnership,
               title=f"{membership.party.name} agreed to {what} ({cycle.period})",
               body="Your party's agreement is needed too.", link=cycle_path(cycle), actor=membership.user)
        return False
    return _advance(cycle, stage, now, actor=membership.user, party_id=membership.party_id)


def advance_if_agreed(cycle: ReviewCycle, now: datetime, *, actor, party_id: int | None) -> bool:
    """Advance the cycle when every party it waits for has agreed to leave its stage (after a
    party left, the others' agreements may already be all it needs). The caller holds its lock."""
    if cycle.stage == CLOSED or what_blocks(cycle):
        return False
    agreed = {a.party_id for a in live_agreements(cycle)}
    waited = {p.id for p in parties_waited_for(cycle)}
    if not agreed or not waited <= agreed:
        return False
    return _advance(cycle, cycle.stage, now, actor=actor, party_id=party_id)


def _advance(cycle: ReviewCycle, stage: str, now: datetime, *, actor, party_id: int | None) -> bool:
    order = cycle.stages
    closing = stage == order[-1]
    partnership = db.session.get(Partnership, cycle.partnership_id)
    advanced = db.session.execute(
        sa.update(ReviewCycle)
        .where(ReviewCycle.id == cycle.id, ReviewCycle.stage == stage)
        .values(stage=CLOSED if closing else order[order.index(stage) + 1], stage_changed_at=now,
                closed_at=now if closing else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(cycle)
    if not advanced:
        return False
    record_event("review.closed" if closing else "review.stage_advanced", actor=actor,
                 partnership_id=cycle.partnership_id, party_id=party_id, obj=cycle,
                 details={"period": cycle.period, "stage": [stage, cycle.stage]})
    title = (f"The {cycle.name} is closed: its report is ready" if closing
             else f"The {cycle.name} moved to {cycle.stage_label}")
    notify(members_of_partnership(cycle.partnership_id), "review_stage_changed", partnership=partnership,
           title=title, link=cycle_path(cycle, "review_cycle.report_page" if closing else "review_cycle.show"),
           actor=actor, include_actor=True)
    if closing:
        from app.review_cycle.report import REPORT_JOB

        enqueue_on_commit(REPORT_JOB, cycle.id)
    return True


def withdraw_agreements(membership: Membership, cycle: ReviewCycle, because: str) -> int:
    """Something relevant changed: agreements given so far to leave the current stage lapse."""
    withdrawn = db.session.execute(
        sa.update(StageAgreement)
        .where(StageAgreement.cycle_id == cycle.id, StageAgreement.stage == cycle.stage,
               StageAgreement.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), withdrawn_because=because[:200])
        .execution_options(synchronize_session=False)
    ).rowcount
    if withdrawn:
        record_event("review.agreements_withdrawn", actor=membership.user, partnership_id=cycle.partnership_id,
                     party_id=membership.party_id, obj=cycle,
                     details={"period": cycle.period, "stage": cycle.stage, "because": because[:200]})
    return withdrawn


def check_writable(membership: Membership, cycle: ReviewCycle, stages: tuple[str, ...], what: str) -> ReviewCycle:
    """Lock the cycle and check the member may change `what` in its current stage."""
    if cycle.partnership_id != membership.partnership_id:
        raise RuleViolation("That cycle belongs to another partnership.")
    check_permission(membership, Permission.EDIT_PLAN, f"Only admins and editors can change {what}.")
    cycle = lock(cycle)
    if cycle.stage not in stages:
        names = " or ".join(STAGE_LABELS[s] for s in stages)
        raise RuleViolation(f"{what[:1].upper()}{what[1:]} can change in the {names} stage; "
                            f"the cycle is {'closed' if cycle.stage == CLOSED else 'in ' + cycle.stage_label}.")
    return cycle
