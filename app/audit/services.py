"""Recording audit events and verifying the chain.

Services call `record_event` next to the change they make. Events are chained
when the transaction commits, so the chain head is locked for as short a time
as possible and only committed work is ever chained.

What goes into an event is read by the admins of *every* party of the partnership
(the audit trail page and its CSV export), and can never be taken out again. So:

- Keep `details` small: the fields that changed, as [before, after]; ids rather
  than documents; long texts cut (see partnerships.services._shorten).
- Never record what another party may not see yet. In particular, blind review
  scores (and anything derived from them: averages, gaps) must NOT appear in any
  event's details before the scores are revealed to every party. Record that a
  party submitted its review, not what it scored; once revealed, the reveal event
  may carry them.
- Never record secrets: passwords, tokens, their hashes.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session

from app.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditVerification
from app.extensions import db
from app.types import utcnow

_PENDING_KEY = "jointly.audit.pending"


def record_event(
    action: str,
    *,
    actor=None,
    partnership_id: int | None = None,
    party_id: int | None = None,
    obj=None,
    object_type: str | None = None,
    object_id=None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction.

    `obj` is a model instance; its table name and id name the object unless
    `object_type`/`object_id` are given. `details` holds small before/after values
    and must be JSON-serialisable.
    """
    if obj is not None:
        if obj.id is None:
            db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = obj.id if object_id is None else object_id
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        organisation_id=getattr(actor, "organisation_id", None),
        partnership_id=partnership_id,
        party_id=party_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=request.remote_addr if has_request_context() else None,
        details=details or {},
    )
    db.session.info.setdefault(_PENDING_KEY, []).append(event)
    return event


def event_digest(event: AuditEvent, prev_hash: str) -> str:
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "organisation_id": event.organisation_id,
        "partnership_id": event.partnership_id,
        "party_id": event.party_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip,
        "details": event.details or {},
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@sa.event.listens_for(Session, "before_commit")
def _chain_pending_events(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    # Taking the head's row lock first serialises concurrent writers; RETURNING reads the
    # head under that lock in the same statement (one round trip fewer on every write).
    seq, prev_hash = session.execute(
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=AuditChainHead.last_seq)
        .returning(AuditChainHead.last_seq, AuditChainHead.last_hash)
        .execution_options(synchronize_session=False)
    ).one()
    for event in pending:
        seq += 1
        event.seq = seq
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_digest(event, event.prev_hash)
        session.add(event)
    session.execute(
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=seq, last_hash=prev_hash)
        .execution_options(synchronize_session="evaluate")
    )
    session.flush()


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending_events(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@dataclass
class ChainProblem:
    seq: int | None
    reason: str


# Only the hashed columns are read: plain rows are several times faster than ORM objects.
_CHAIN_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.organisation_id,
    AuditEvent.partnership_id,
    AuditEvent.party_id,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.ip,
    AuditEvent.details,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


@dataclass
class _Walk:
    problem: ChainProblem | None
    last_seq: int  # the last event found intact
    last_hash: str
    checked: int
    complete: bool = True  # False when `limit` stopped the walk before the head


def _walk(session: Session, after: tuple[int, str] | None, batch_size: int, limit: int | None = None) -> _Walk:
    expected_seq, expected_prev = 1, GENESIS_HASH
    if after is not None and after[0] > 0:
        last_seq, last_hash = after
        stored = session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.seq == last_seq))
        if stored != last_hash:
            reason = f"event #{last_seq} was changed or removed since the chain was last verified"
            return _Walk(ChainProblem(last_seq, reason), last_seq - 1, "", 0)
        expected_seq, expected_prev = last_seq + 1, last_hash
    checked = 0

    def result(problem, complete=True):
        return _Walk(problem, expected_seq - 1, expected_prev, checked, complete)

    while True:
        if limit is not None and checked >= limit:
            return result(None, complete=False)
        rows = session.execute(
            sa.select(*_CHAIN_COLUMNS)
            .where(AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq)
            .limit(batch_size if limit is None else min(batch_size, limit - checked))
        ).all()
        for event in rows:
            if event.seq != expected_seq:
                return result(ChainProblem(expected_seq, f"event #{expected_seq} is missing (next is #{event.seq})"))
            if event.prev_hash != expected_prev:
                return result(ChainProblem(event.seq, f"event #{event.seq} does not follow event #{event.seq - 1}"))
            if event_digest(event, event.prev_hash) != event.hash:
                return result(ChainProblem(event.seq, f"event #{event.seq} was changed after it was recorded"))
            expected_prev, expected_seq = event.hash, event.seq + 1
            checked += 1
        if len(rows) < batch_size and (limit is None or checked < limit):
            break
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return result(
            ChainProblem(head.last_seq, f"the chain ends at #{expected_seq - 1} but its head says #{head.last_seq}")
        )
    return result(None)


def verify_chain(
    session: Session | None = None, batch_size: int = 5000, *, after: tuple[int, str] | None = None
) -> ChainProblem | None:
    """Recompute the chain from the first event (or from `after` = (seq, hash) of an
    event already verified); return the first problem, if any."""
    return _walk(session or db.session, after, batch_size).problem


def record_verification(session: Session | None = None) -> AuditVerification:
    """Verify the whole chain and keep the result; pages continue from it.

    `flask --app wsgi audit verify` runs this: schedule it (hourly, say) so pages
    showing the chain's state only ever re-check the events recorded since.
    """
    session = session or db.session
    walk = _walk(session, None, 5000)
    verification = AuditVerification(
        checked_at=utcnow(),
        last_seq=walk.last_seq,
        last_hash=walk.last_hash,
        problem_seq=walk.problem.seq if walk.problem else None,
        problem=walk.problem.reason if walk.problem else None,
    )
    session.add(verification)
    return verification


@dataclass
class ChainStatus:
    problem: ChainProblem | None
    events: int  # events in the chain, according to its head
    full_check_at: datetime | None  # when the whole chain was last re-checked
    full_check_seq: int  # ... up to this event
    checked_now: int  # events checked for this answer
    verified_seq: int  # every event up to this one is verified
    complete: bool = True  # False when newer events were left for the next full check

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def unchecked(self) -> int:
        return 0 if self.complete else max(self.events - self.verified_seq, 0)


# Events one page view may re-check (about a second at the ~45 µs each measured).
PAGE_VERIFY_LIMIT = 20_000


def chain_status(session: Session | None = None, limit: int | None = PAGE_VERIFY_LIMIT) -> ChainStatus:
    """Is the chain intact? The latest full verification, plus the events since.

    Cost: one row read per event recorded since the latest `audit verify` (at most
    `limit`), so a page can show it on every view. An edit to an *older* event is
    caught by the next full verification (and shown from then on).
    """
    session = session or db.session
    latest = session.scalar(sa.select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1))
    head = session.get(AuditChainHead, 1)
    events = head.last_seq if head is not None else 0
    if latest is not None and latest.problem_seq is not None:
        problem = ChainProblem(latest.problem_seq, latest.problem or "")
        return ChainStatus(problem, events, latest.checked_at, latest.last_seq, 0, latest.last_seq)
    after = (latest.last_seq, latest.last_hash) if latest is not None else None
    walk = _walk(session, after, 5000, limit)
    return ChainStatus(
        walk.problem,
        events,
        latest.checked_at if latest is not None else None,
        latest.last_seq if latest is not None else 0,
        walk.checked,
        walk.last_seq,
        walk.complete,
    )


SECURITY_ACTIONS = (
    "account.created",
    "account.updated",
    "account.password_changed",
    "account.password_reset_requested",
    "account.password_reset",
    "account.signed_out",
)


def account_events(user, limit: int = 8) -> list[AuditEvent]:
    """The latest security events of a user's own account, newest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.object_type == "user_account",
                AuditEvent.object_id == str(user.id),
                AuditEvent.partnership_id.is_(None),
                AuditEvent.action.in_(SECURITY_ACTIONS),
            )
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
        )
    )
