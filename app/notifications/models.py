"""Notifications, each person's delivery choices, and the record of daily digests sent."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.notifications.kinds import Delivery, get_kind
from app.partnerships.models import Partnership
from app.types import utcnow

DELIVERY_CHECK = "delivery IN ({})".format(", ".join(repr(d.value) for d in Delivery))


class Notification(db.Model):
    """One thing one person is told about: shown under the bell, and maybe emailed.

    `delivery` is the recipient's choice for its kind when it was created (kept in
    step when they change it while the notification is still waiting for an email).
    `emailed_at` / `digested_at` are set by whoever claims it for an email, so no
    email is ever sent twice. A `dedupe_key` is unique per recipient: a reminder
    with the same key is never created twice.
    """

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("recipient_id", "dedupe_key"),
        sa.CheckConstraint(DELIVERY_CHECK, name="delivery"),
        sa.Index("ix_notification_recipient_unread", "recipient_id", "read_at"),
        sa.Index("ix_notification_email_queue", "delivery", "emailed_at", "digested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.String(1000), default="")
    # An app-relative path ("/partnerships/3/plan"), never an absolute URL.
    link: Mapped[str | None] = mapped_column(sa.String(500))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # What a batched notification is about (e.g. a section key); saves on the same
    # topic update one unread notification instead of adding another.
    topic: Mapped[str | None] = mapped_column(sa.String(120))
    # Small extras: for batched kinds, who changed it and how many times.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    delivery: Mapped[str] = mapped_column(sa.String(20), default=Delivery.IN_APP.value)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    digested_at: Mapped[datetime | None]

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    partnership: Mapped[Partnership | None] = relationship()

    @property
    def kind_spec(self):
        return get_kind(self.kind)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def actors(self) -> list[str]:
        return list((self.details or {}).get("actors", []))

    @property
    def change_count(self) -> int:
        return int((self.details or {}).get("count", 1))

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to user {self.recipient_id}>"


class NotificationPreference(db.Model):
    """A person's delivery choice for one kind; without a row the kind's default applies."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind"),
        sa.CheckConstraint(DELIVERY_CHECK, name="delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(sa.String(64))
    delivery: Mapped[str] = mapped_column(sa.String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationDigest(db.Model):
    """A daily digest sent: at most one per person per day of their own calendar.

    The unique (user, local date) pair is the claim: of two concurrent runs, only the
    one that inserts it sends the digest.
    """

    __tablename__ = "notification_digest"
    __table_args__ = (sa.UniqueConstraint("user_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    local_date: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    notification_count: Mapped[int] = mapped_column(default=0)
