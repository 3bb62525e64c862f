"""What evidence attachments store: one `Attachment` per named file on one place of a partnership
(a section, an item of a section, an improvement action, or a party's actual of a measure in a
review), and one `AttachmentVersion` per upload of that name.

Nothing is deleted: a version is never changed once written (bar the text read from it for the
search index, filled in later by a job), and an attachment is withdrawn, with who, when and why,
never removed. Its bytes live in the object store (app/storage.py) under their SHA-256, so two
uploads of the same file share one stored object and a stored object proves its own content.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.partnerships.models import Party
from app.types import utcnow

# Where an attachment hangs: the plan (a section, or one item of a section), an improvement
# action, or a party's actual of one performance measure in a review (blind until the reveal).
TARGET_KINDS = ("section", "item", "action", "actual")
TEXT_STATES = ("pending", "done", "none", "failed")
LIVE = sa.text("withdrawn_at IS NULL")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Attachment(db.Model):
    """A named file on one place of a partnership; a new upload of the same name is its next version."""

    __tablename__ = "attachment"
    __table_args__ = (
        sa.CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
        # One live attachment of a name per place: a second upload of it is a new version.
        sa.Index("uq_attachment_live_name", "partnership_id", "target_ref", "name_key", unique=True,
                 sqlite_where=LIVE, postgresql_where=LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    target_kind: Mapped[str] = mapped_column(sa.String(20))
    # The place as one string ("section:risk_assessment", "item:risk_assessment:r-1f…",
    # "action:12", "actual:40:m-7c…"): what the live-name index and lookups compare.
    target_ref: Mapped[str] = mapped_column(sa.String(160))
    section_key: Mapped[str | None] = mapped_column(sa.String(40))
    item_id: Mapped[str | None] = mapped_column(sa.String(60))
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("improvement_action.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessment.id"), index=True)
    measure_id: Mapped[str | None] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    withdrawn_party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    party: Mapped[Party] = relationship(foreign_keys=[party_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    versions: Mapped[list["AttachmentVersion"]] = relationship(
        back_populates="attachment", order_by="AttachmentVersion.number"
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class AttachmentVersion(db.Model):
    """One upload: the file's name, type, size and SHA-256 as received, who sent it for which party."""

    __tablename__ = "attachment_version"
    __table_args__ = (
        sa.UniqueConstraint("attachment_id", "number"),
        sa.CheckConstraint(_in("text_state", TEXT_STATES), name="text_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(sa.ForeignKey("attachment.id"), index=True)
    number: Mapped[int]
    file_name: Mapped[str] = mapped_column(sa.String(200))
    type_key: Mapped[str] = mapped_column(sa.String(20))
    media_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    # The party's name when it uploaded: the record reads as it happened.
    party_name: Mapped[str] = mapped_column(sa.String(200))
    text_state: Mapped[str] = mapped_column(sa.String(20), default="pending")
    text: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    text_note: Mapped[str | None] = mapped_column(sa.String(200))

    attachment: Mapped[Attachment] = relationship(back_populates="versions")
    uploaded_by: Mapped[User] = relationship()
