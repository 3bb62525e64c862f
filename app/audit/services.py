"""Recording audit events and verifying the chains.

Services call `record_event` next to the change they make. Events are chained when the
transaction commits, each into its partnership's own chain (events outside any partnership
into the instance chain), so a chain's head is locked for as short a time as possible, only
committed work is ever chained, and partnerships never wait for each other.

Each event's hash is an HMAC-SHA256 under a key derived from AUDIT_KEY (app/keyring.py), over
the event and the previous hash; the key id is stored with the event, so AUDIT_KEY can rotate
(new events use its first key; older events keep verifying with theirs). A periodic job signs
checkpoints of every chain's head (`checkpoint_chains`); `verify_chains` checks every event and
every checkpoint, so rewriting an old event and recomputing the later hashes with database
access alone is reported, naming the partnership and the event.

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

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app, has_request_context, request
from sqlalchemy.orm import Session

from app.audit.models import (
    GENESIS_HASH,
    AuditChain,
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
)
from app.database import insert_for
from app.extensions import db
from app.keyring import Keyring, KeyringError
from app.types import utcnow

_PENDING_KEY = "jointly.audit.pending"
CHAIN_PURPOSE = b"jointly audit chain v1"
CHECKPOINT_PURPOSE = b"jointly audit checkpoint v1"
CHECKPOINT_FORMAT = "jointly-audit-checkpoint/1"


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


# --- Keys -----------------------------------------------------------------------------


def audit_keyring() -> Keyring:
    return current_app.extensions["keyrings"]["audit"]


@lru_cache(maxsize=64)
def _mac_key(secret: bytes) -> bytes:
    from app.keyring import derive

    return derive(secret, CHAIN_PURPOSE)


@lru_cache(maxsize=64)
def _signing_key(secret: bytes) -> Ed25519PrivateKey:
    from app.keyring import derive

    return Ed25519PrivateKey.from_private_bytes(derive(secret, CHECKPOINT_PURPOSE))


def public_key(keyring: Keyring, key_id: str) -> Ed25519PublicKey:
    return _signing_key(keyring.secret(key_id)).public_key()


def public_keys(keyring: Keyring | None = None) -> dict[str, str]:
    """Every configured key id's checkpoint-signing public key (raw, base64): what an export's
    reader needs, and what an operator may publish."""
    keyring = keyring or audit_keyring()
    return {key_id: base64.b64encode(public_key(keyring, key_id).public_bytes(Encoding.Raw, PublicFormat.Raw))
            .decode() for key_id in keyring.ids}


def key_fingerprint(public_b64: str) -> str:
    """SHA-256 of the raw public key, as the colon-separated hex people compare."""
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:32]


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_payload(event, prev_hash: str) -> dict:
    """What an event's hash covers (also what an export carries for each event)."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat() if isinstance(event.occurred_at, datetime) else event.occurred_at,
        "actor_id": event.actor_id,
        "organisation_id": event.organisation_id,
        "partnership_id": event.partnership_id,
        "party_id": event.party_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "ip": event.ip,
        "details": event.details or {},
        "key_id": event.key_id,
        "prev_hash": prev_hash,
    }


def event_digest(event, prev_hash: str, keyring: Keyring | None = None) -> str:
    """The HMAC-SHA256 of the event under its key id's chain key."""
    keyring = keyring or audit_keyring()
    key = _mac_key(keyring.secret(event.key_id))
    return hmac.new(key, canonical(event_payload(event, prev_hash)), hashlib.sha256).hexdigest()


def checkpoint_payload(partnership_id: int | None, seq: int, hash_: str, created_at, key_id: str) -> dict:
    at = created_at.isoformat() if isinstance(created_at, datetime) else created_at
    return {"format": CHECKPOINT_FORMAT, "partnership_id": partnership_id, "seq": seq, "hash": hash_,
            "created_at": at, "key_id": key_id}


def sign(payload: dict, keyring: Keyring | None = None, key_id: str | None = None) -> tuple[str, str]:
    """(key id, base64 Ed25519 signature) of the canonical payload."""
    keyring = keyring or audit_keyring()
    key_id = key_id or keyring.current_id
    signature = _signing_key(keyring.secret(key_id)).sign(canonical(payload))
    return key_id, base64.b64encode(signature).decode()


def signature_ok(payload: dict, signature_b64: str, public_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
        key.verify(base64.b64decode(signature_b64), canonical(payload))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- Chaining at commit -----------------------------------------------------------------


def _lock_head(session: Session, partnership_id: int | None) -> tuple[int, int, str]:
    """(chain id, last seq, last hash) of the partnership's chain under its row lock, creating
    the chain on the partnership's first event."""
    condition = (AuditChain.partnership_id.is_(None) if partnership_id is None
                 else AuditChain.partnership_id == partnership_id)
    statement = (
        sa.update(AuditChain).where(condition).values(last_seq=AuditChain.last_seq)
        .returning(AuditChain.id, AuditChain.last_seq, AuditChain.last_hash)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    if row is None:
        session.execute(
            insert_for(AuditChain, session).values(partnership_id=partnership_id, last_seq=0, last_hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["partnership_id"])
        )
        row = session.execute(statement).one()
    return row.id, row.last_seq, row.last_hash


@sa.event.listens_for(Session, "before_commit")
def _chain_pending_events(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint, not the transaction's commit
        return
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    keyring = audit_keyring()
    by_chain: dict[int | None, list[AuditEvent]] = {}
    for event in pending:
        by_chain.setdefault(event.partnership_id, []).append(event)
    # Heads are locked in one order (the instance chain, then by partnership id), so two
    # transactions touching the same chains never wait for each other in a circle.
    for partnership_id in sorted(by_chain, key=lambda p: -1 if p is None else p):
        chain_id, seq, prev_hash = _lock_head(session, partnership_id)
        for event in by_chain[partnership_id]:
            seq += 1
            event.chain_id, event.seq, event.key_id, event.prev_hash = chain_id, seq, keyring.current_id, prev_hash
            event.hash = prev_hash = event_digest(event, prev_hash, keyring)
            session.add(event)
        session.execute(
            sa.update(AuditChain).where(AuditChain.id == chain_id).values(last_seq=seq, last_hash=prev_hash)
            .execution_options(synchronize_session=False)
        )
    session.flush()


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending_events(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: the events before it still commit
        return
    session.info.pop(_PENDING_KEY, None)


# --- Verifying ------------------------------------------------------------------------


@dataclass
class ChainProblem:
    seq: int | None
    reason: str
    partnership_id: int | None = None
    chain_id: int | None = None

    def describe(self, names: dict[int, str] | None = None) -> str:
        if self.partnership_id is None:
            where = "the instance's own audit trail (events outside any partnership)"
        else:
            name = (names or {}).get(self.partnership_id)
            where = f"the audit trail of partnership {self.partnership_id}" + (f" “{name}”" if name else "")
        return f"{where}: {self.reason}"


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
    AuditEvent.key_id,
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


def _walk(session: Session, chain: AuditChain, after: tuple[int, str] | None, batch_size: int,
          limit: int | None = None) -> _Walk:
    keyring = audit_keyring()
    expected_seq, expected_prev = 1, GENESIS_HASH

    def problem(seq, reason):
        return ChainProblem(seq, reason, chain.partnership_id, chain.id)

    if after is not None and after[0] > 0:
        last_seq, last_hash = after
        stored = session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.chain_id == chain.id,
                                                                 AuditEvent.seq == last_seq))
        if stored != last_hash:
            reason = f"event #{last_seq} was changed or removed since the chain was last verified"
            return _Walk(problem(last_seq, reason), last_seq - 1, "", 0)
        expected_seq, expected_prev = last_seq + 1, last_hash
    checked = 0

    def result(found, complete=True):
        return _Walk(found, expected_seq - 1, expected_prev, checked, complete)

    while True:
        if limit is not None and checked >= limit:
            return result(None, complete=False)
        rows = session.execute(
            sa.select(*_CHAIN_COLUMNS)
            .where(AuditEvent.chain_id == chain.id, AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq)
            .limit(batch_size if limit is None else min(batch_size, limit - checked))
        ).all()
        for event in rows:
            if event.seq != expected_seq:
                return result(problem(expected_seq, f"event #{expected_seq} is missing (next is #{event.seq})"))
            if event.prev_hash != expected_prev:
                return result(problem(event.seq, f"event #{event.seq} does not follow event #{event.seq - 1}"))
            if not keyring.has(event.key_id):
                return result(problem(event.seq, f"event #{event.seq} was chained with the key "
                                                 f"“{event.key_id}”, which AUDIT_KEY does not hold"))
            if not hmac.compare_digest(event_digest(event, event.prev_hash, keyring), event.hash):
                return result(problem(event.seq, f"event #{event.seq} was changed after it was recorded"))
            expected_prev, expected_seq = event.hash, event.seq + 1
            checked += 1
        if len(rows) < batch_size and (limit is None or checked < limit):
            break
    head = session.get(AuditChain, chain.id, populate_existing=True)
    if head.last_seq != expected_seq - 1 or head.last_hash != expected_prev:
        return result(problem(head.last_seq, f"the chain ends at #{expected_seq - 1} but its head says "
                                             f"#{head.last_seq}"))
    return result(None)


def _check_checkpoints(session: Session, chain: AuditChain, last_seq: int) -> ChainProblem | None:
    """Every signed checkpoint must verify and match the event it names, and the chain must
    still reach it (a chain cut short and re-chained shows here)."""
    keyring = audit_keyring()
    rows = session.execute(
        sa.select(AuditCheckpoint, AuditEvent.hash)
        .outerjoin(AuditEvent, sa.and_(AuditEvent.chain_id == AuditCheckpoint.chain_id,
                                       AuditEvent.seq == AuditCheckpoint.seq))
        .where(AuditCheckpoint.chain_id == chain.id)
        .order_by(AuditCheckpoint.seq)
    ).all()
    for checkpoint, event_hash in rows:
        def problem(reason, checkpoint=checkpoint):
            return ChainProblem(checkpoint.seq, reason, chain.partnership_id, chain.id)

        if not keyring.has(checkpoint.key_id):
            return problem(f"the checkpoint at event #{checkpoint.seq} was signed with the key "
                           f"“{checkpoint.key_id}”, which AUDIT_KEY does not hold")
        payload = checkpoint_payload(chain.partnership_id, checkpoint.seq, checkpoint.hash, checkpoint.created_at,
                                     checkpoint.key_id)
        public = public_keys(keyring)[checkpoint.key_id]
        if not signature_ok(payload, checkpoint.signature, public):
            return problem(f"the checkpoint at event #{checkpoint.seq} does not carry a valid signature")
        if checkpoint.seq > last_seq or event_hash is None:
            return problem(f"event #{checkpoint.seq}, signed in a checkpoint on {checkpoint.created_at:%Y-%m-%d}, "
                           "is missing: the chain was cut short")
        if event_hash != checkpoint.hash:
            return problem(f"event #{checkpoint.seq} is not the one signed in the checkpoint of "
                           f"{checkpoint.created_at:%Y-%m-%d %H:%M} UTC: the chain was rewritten")
    return None


def chains(session: Session | None = None) -> list[AuditChain]:
    session = session or db.session
    return list(session.scalars(sa.select(AuditChain).order_by(AuditChain.id)))


def chain_of(partnership_id: int | None, session: Session | None = None) -> AuditChain | None:
    session = session or db.session
    if partnership_id is None:
        return session.scalar(sa.select(AuditChain).where(AuditChain.partnership_id.is_(None)))
    return session.scalar(sa.select(AuditChain).where(AuditChain.partnership_id == partnership_id))


def verify_one(chain: AuditChain, session: Session | None = None, batch_size: int = 5000) -> _Walk:
    """Every event and every checkpoint of one chain."""
    session = session or db.session
    walk = _walk(session, chain, None, batch_size)
    if walk.problem is None:
        walk.problem = _check_checkpoints(session, chain, walk.last_seq)
    return walk


def verify_chain(session: Session | None = None, batch_size: int = 5000) -> ChainProblem | None:
    """Verify every chain; the first problem found, if any."""
    for chain in chains(session):
        walk = verify_one(chain, session, batch_size)
        if walk.problem is not None:
            return walk.problem
    return None


def record_verification(session: Session | None = None) -> list[AuditVerification]:
    """Verify every chain and keep each result; pages continue from it.

    `flask --app wsgi audit verify` runs this: schedule it (hourly, say) so pages showing a
    chain's state only ever re-check the events recorded since.
    """
    session = session or db.session
    results = []
    for chain in chains(session):
        walk = verify_one(chain, session)
        verification = AuditVerification(
            chain_id=chain.id,
            checked_at=utcnow(),
            last_seq=walk.last_seq if walk.problem is None else min(walk.last_seq, (walk.problem.seq or 1) - 1),
            last_hash=walk.last_hash,
            problem_seq=walk.problem.seq if walk.problem else None,
            problem=walk.problem.reason[:300] if walk.problem else None,
        )
        session.add(verification)
        results.append(verification)
    return results


def describe_verification(verification: AuditVerification, partnership_names: dict[int, str]) -> str:
    """A failed verification as one sentence naming the partnership (by `partnership_names`) and the event."""
    chain = db.session.get(AuditChain, verification.chain_id)
    problem = ChainProblem(verification.problem_seq, verification.problem or "", chain.partnership_id, chain.id)
    return problem.describe(partnership_names)


# --- Checkpoints ----------------------------------------------------------------------


def checkpoint_chains(session: Session | None = None) -> int:
    """Sign a checkpoint of every chain whose head moved since its last checkpoint, after
    checking the events since then (a chain found broken is not signed); returns how many."""
    session = session or db.session
    keyring = audit_keyring()
    made = 0
    for chain in chains(session):
        latest = session.execute(
            sa.select(AuditCheckpoint.seq, AuditCheckpoint.hash).where(AuditCheckpoint.chain_id == chain.id)
            .order_by(AuditCheckpoint.seq.desc()).limit(1)
        ).first()
        if chain.last_seq == 0 or (latest is not None and latest.seq >= chain.last_seq):
            continue
        walk = _walk(session, chain, tuple(latest) if latest is not None else None, 5000)
        if walk.problem is not None:
            current_app.logger.error("audit: no checkpoint signed for %s", walk.problem.describe())
            continue
        created_at = utcnow()
        key_id, signature = sign(
            checkpoint_payload(chain.partnership_id, walk.last_seq, walk.last_hash, created_at, keyring.current_id),
            keyring,
        )
        # Every worker runs this periodic job: of two signing the same head, one row is kept.
        kept = session.scalar(
            insert_for(AuditCheckpoint, session)
            .values(chain_id=chain.id, seq=walk.last_seq, hash=walk.last_hash,
                    created_at=created_at, key_id=key_id, signature=signature)
            .on_conflict_do_nothing(index_elements=["chain_id", "seq"])
            .returning(AuditCheckpoint.id)
        )
        session.commit()
        made += kept is not None
    return made


def add_jobs(app) -> None:
    from app.jobs import PERIODIC, PeriodicSpec

    PERIODIC.add(app, PeriodicSpec("audit_checkpoint", checkpoint_chains, minutes=10))


# --- What pages show ------------------------------------------------------------------


@dataclass
class ChainStatus:
    problem: ChainProblem | None
    events: int  # events in the chain, according to its head
    full_check_at: datetime | None  # when the whole chain was last re-checked
    full_check_seq: int  # ... up to this event
    checked_now: int  # events checked for this answer
    verified_seq: int  # every event up to this one is verified
    complete: bool = True  # False when newer events were left for the next full check
    checkpoint_at: datetime | None = None  # the newest signed checkpoint
    checkpoint_seq: int = 0

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def unchecked(self) -> int:
        return 0 if self.complete else max(self.events - self.verified_seq, 0)


# Events one page view may re-check (about a second at the ~45 µs each measured).
PAGE_VERIFY_LIMIT = 20_000


def chain_status(partnership_id: int | None = None, session: Session | None = None,
                 limit: int | None = PAGE_VERIFY_LIMIT) -> ChainStatus:
    """Is the partnership's chain intact? Its latest full verification, plus the events since.

    Cost: one row read per event recorded since the latest `audit verify` (at most `limit`),
    so a page can show it on every view. An edit to an *older* event is caught by the next
    full verification (and shown from then on).
    """
    session = session or db.session
    chain = chain_of(partnership_id, session)
    if chain is None:
        return ChainStatus(None, 0, None, 0, 0, 0)
    latest = session.scalar(sa.select(AuditVerification).where(AuditVerification.chain_id == chain.id)
                            .order_by(AuditVerification.id.desc()).limit(1))
    checkpoint = session.execute(
        sa.select(AuditCheckpoint.created_at, AuditCheckpoint.seq).where(AuditCheckpoint.chain_id == chain.id)
        .order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()
    extra = {"checkpoint_at": checkpoint.created_at, "checkpoint_seq": checkpoint.seq} if checkpoint else {}
    if latest is not None and latest.problem_seq is not None:
        problem = ChainProblem(latest.problem_seq, latest.problem or "", chain.partnership_id, chain.id)
        return ChainStatus(problem, chain.last_seq, latest.checked_at, latest.last_seq, 0, latest.last_seq, **extra)
    after = (latest.last_seq, latest.last_hash) if latest is not None else None
    walk = _walk(session, chain, after, 5000, limit)
    return ChainStatus(
        walk.problem,
        chain.last_seq,
        latest.checked_at if latest is not None else None,
        latest.last_seq if latest is not None else 0,
        walk.checked,
        walk.last_seq,
        walk.complete,
        **extra,
    )


SECURITY_ACTIONS = (
    "account.created",
    "account.updated",
    "account.password_changed",
    "account.password_reset_requested",
    "account.password_reset",
    "account.signed_out",
    "account.calendar_feed_created",
    "account.calendar_feed_reset",
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
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


__all__ = ["KeyringError", "record_event"]
