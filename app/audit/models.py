"""The append-only audit trail: one keyed hash chain per partnership (plus one for events
outside any partnership), signed checkpoints of each chain's head, and verification results.

Each event's `hash` is an HMAC-SHA256, under a key derived from AUDIT_KEY (which is not in the
database), of the event and the hash before it. Someone with database access alone can
change an event but cannot compute the hashes that would make the change, and everything
after it, verify again. Checkpoints sign a chain's head with an Ed25519 key derived from the
same secret, so an export can be checked by anyone holding the public key.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

GENESIS_HASH = "0" * 64


class AuditChain(db.Model):
    """The head of one chain: a partnership's, or (partnership_id NULL, one row, made with the
    table) the instance's own, for events outside any partnership (accounts, organisations).

    Writers update it before appending, so concurrent transactions on the same partnership
    take turns (a row lock on PostgreSQL) while other partnerships'
    chains are written in parallel."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"), unique=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)


@sa.event.listens_for(AuditChain.__table__, "after_create")
def _seed_instance_chain(target, connection, **_kw):
    """The instance chain exists as soon as the table does."""
    connection.execute(target.insert().values(partnership_id=None, last_seq=0, last_hash=GENESIS_HASH))


class AuditEvent(db.Model):
    """One recorded change. Never updated or deleted; `hash` covers `prev_hash`."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.UniqueConstraint("chain_id", "seq"),
        # A partnership's trail is read newest first (this index also serves lookups by partnership).
        sa.Index("ix_audit_event_partnership_seq", "partnership_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_chain.id"))
    seq: Mapped[int]
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"))
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The id of the AUDIT_KEY key that computed `hash`.
    key_id: Mapped[str] = mapped_column(sa.String(40))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditCheckpoint(db.Model):
    """A chain's head at one moment, signed (Ed25519, key derived from AUDIT_KEY `key_id`)."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (sa.UniqueConstraint("chain_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_chain.id"), index=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(sa.String(40))
    signature: Mapped[str] = mapped_column(sa.String(200))  # base64


class AuditVerification(db.Model):
    """The result of one full verification of a chain (`flask audit verify`).

    Pages verify only the events recorded since the latest good one, so showing the
    chain's state stays fast however long the trail grows.
    """

    __tablename__ = "audit_verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_chain.id"), index=True)
    checked_at: Mapped[datetime]
    # The last event found intact, and its hash: where the next check continues.
    last_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    problem_seq: Mapped[int | None]
    problem: Mapped[str | None] = mapped_column(sa.String(300))
