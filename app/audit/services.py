"""Recording audit events and verifying the chain.

Services call `record_event` next to the change they make. Events are chained
when the transaction commits, so the chain head is locked for as short a time
as possible and only committed work is ever chained.
"""

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session

from app.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
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
    # Taking the head's row lock first serialises concurrent writers.
    session.execute(
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=AuditChainHead.last_seq)
    )
    head = session.execute(
        sa.select(AuditChainHead).where(AuditChainHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    seq, prev_hash = head.last_seq, head.last_hash
    for event in pending:
        seq += 1
        event.seq = seq
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_digest(event, event.prev_hash)
        session.add(event)
    head.last_seq, head.last_hash = seq, prev_hash
    session.flush()


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending_events(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@dataclass
class ChainProblem:
    seq: int | None
    reason: str


def verify_chain(session: Session | None = None, batch_size: int = 2000) -> ChainProblem | None:
    """Recompute the chain from the first event; return the first problem, if any."""
    session = session or db.session
    expected_prev, expected_seq = GENESIS_HASH, 1
    while True:
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        for event in events:
            if event.seq != expected_seq:
                return ChainProblem(expected_seq, f"event #{expected_seq} is missing (next is #{event.seq})")
            if event.prev_hash != expected_prev:
                return ChainProblem(event.seq, f"event #{event.seq} does not follow event #{event.seq - 1}")
            if event_digest(event, event.prev_hash) != event.hash:
                return ChainProblem(event.seq, f"event #{event.seq} was changed after it was recorded")
            expected_prev, expected_seq = event.hash, event.seq + 1
        if len(events) < batch_size:
            break
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return ChainProblem(head.last_seq, f"the chain ends at #{expected_seq - 1} but its head says #{head.last_seq}")
    return None
