"""What co-editing stores: saves kept after a conflict, comment threads, and who is in a section now.

A kept conflict holds an editor's attempted content server-side until its author resolves
or discards it, so closing the tab loses nothing; it is closed, never deleted. Comments are
append-only like revisions (a correction is a reply); only a thread's open/resolved state
changes, and every change of it is in the audit trail.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.partnerships.models import Party
from app.plan_sections.models import PlanSection, SectionRevision
from app.types import utcnow

CONFLICT_STATUSES = ("open", "resolved", "discarded", "superseded")
THREAD_STATUSES = ("open", "resolved")
PRESENCE_MODES = ("editing", "viewing")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EditConflict(db.Model):
    """A save whose changes overlapped someone else's: kept until its author settles it.

    `attempted_content` is the author's content (validated, item ids given) as they
    meant it against `base_revision`; `their_revision` is the revision it collided with.
    Closing it records how: resolved (into `result_revision`, or no change), discarded,
    or superseded by `followed_by` when yet another save overlapped the resolution.
    """

    __tablename__ = "edit_conflict"
    __table_args__ = (
        sa.CheckConstraint(_in("status", CONFLICT_STATUSES), name="status"),
        sa.Index("ix_edit_conflict_open", "section_id", "author_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_section.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    author_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    # None when the author started the section from nothing.
    base_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("section_revision.id"))
    their_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("section_revision.id"))
    attempted_content: Mapped[dict] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    # "edit" or "restore": what the author was doing, kept for the revision that settles it.
    kind: Mapped[str] = mapped_column(sa.String(20), default="edit")
    # The conflicts as found (Conflict.to_dict()), for the page and the record.
    conflicts: Mapped[list] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    result_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("section_revision.id"))
    followed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("edit_conflict.id"))

    section: Mapped[PlanSection] = relationship()
    author: Mapped[User] = relationship()
    author_party: Mapped[Party] = relationship()
    base_revision: Mapped[SectionRevision | None] = relationship(foreign_keys=[base_revision_id])
    their_revision: Mapped[SectionRevision] = relationship(foreign_keys=[their_revision_id])
    result_revision: Mapped[SectionRevision | None] = relationship(foreign_keys=[result_revision_id])

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def __repr__(self) -> str:
        return f"<EditConflict {self.id} {self.status} section={self.section_id}>"


class CommentThread(db.Model):
    """A conversation about one section (optionally about one of its items)."""

    __tablename__ = "comment_thread"
    __table_args__ = (
        sa.CheckConstraint(_in("status", THREAD_STATUSES), name="status"),
        sa.Index("ix_comment_thread_section_status", "section_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_section.id"))
    # A stable item id of the section ("rsk-1a2b3c4d"), or None for the section as a whole.
    item_id: Mapped[str | None] = mapped_column(sa.String(40))
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    status_changed_at: Mapped[datetime | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    section: Mapped[PlanSection] = relationship()
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    party: Mapped[Party] = relationship()
    status_changed_by: Mapped[User | None] = relationship(foreign_keys=[status_changed_by_id])
    comments: Mapped[list["Comment"]] = relationship(back_populates="thread", order_by="Comment.id")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Comment(db.Model):
    """One message in a thread: written once, never changed."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("comment_thread.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    # Rendered and sanitised once, when written (mentions highlighted).
    body_html: Mapped[str] = mapped_column(sa.Text)
    # The members the comment mentions (user ids), each notified once.
    mentions: Mapped[list] = mapped_column(sa.JSON, default=list)

    thread: Mapped[CommentThread] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
    party: Mapped[Party] = relationship()


class SectionPresence(db.Model):
    """Someone had a section open a moment ago (the database presence store; see presence.py)."""

    __tablename__ = "section_presence"
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "section_key", "user_id", "mode"),
        sa.CheckConstraint(_in("mode", PRESENCE_MODES), name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"))
    section_key: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    mode: Mapped[str] = mapped_column(sa.String(10))
    since: Mapped[datetime]
    seen_at: Mapped[datetime]


def _refuse_change(_mapper, _connection, target) -> None:
    raise RuntimeError(f"{type(target).__name__} rows are append-only and cannot be changed or deleted")


sa.event.listen(Comment, "before_update", _refuse_change)
sa.event.listen(Comment, "before_delete", _refuse_change)
