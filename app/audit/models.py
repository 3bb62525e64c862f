"""The append-only, hash-chained audit trail."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """One recorded change. Never updated or deleted; `hash` covers `prev_hash`."""

    __tablename__ = "audit_event"
    # A partnership's trail is read newest first (this index also serves lookups by partnership).
    __table_args__ = (sa.Index("ix_audit_event_partnership_seq", "partnership_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
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
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    actor: Mapped[User | None] = relationship()


class AuditChainHead(db.Model):
    """A single row pointing at the newest event.

    Writers update it before appending, so concurrent transactions take turns and
    the chain never forks (a row lock on PostgreSQL, the write lock on SQLite).
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)


@sa.event.listens_for(AuditChainHead.__table__, "after_create")
def _seed_chain_head(target, connection, **_kw):
    """The chain starts at its genesis head as soon as the table exists."""
    connection.execute(target.insert().values(id=1, last_seq=0, last_hash=GENESIS_HASH))


class AuditVerification(db.Model):
    """The result of one full verification of the chain (`flask audit verify`).

    Pages verify only the events recorded since the latest good one, so showing the
    chain's state stays fast however long the trail grows.
    """

    __tablename__ = "audit_verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime]
    # The last event found intact, and its hash: where the next check continues.
    last_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    problem_seq: Mapped[int | None]
    problem: Mapped[str | None] = mapped_column(sa.String(300))
