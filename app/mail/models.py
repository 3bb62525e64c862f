"""The outbox: every email the app sends, committed with the change that caused it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import utcnow

# pending: waiting for (another) attempt; sending: a worker has claimed it; sent; failed:
# given up (permanent refusal, attempts spent, or a worker stopped mid-send: it may or may not
# have arrived, so it is never sent again without a person asking).
MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class OutboundMail(db.Model):
    __tablename__ = "outbound_mail"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        sa.Index("ix_outbound_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    message_id: Mapped[str] = mapped_column(sa.String(200))
    # The whole message as sent (RFC 5322 bytes), rendered when it was queued.
    message: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None]
    # Whose admins see it if it cannot be delivered: the recipient's organisation (or, for
    # someone without an account yet, the organisation of whoever caused it).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
