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

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
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
