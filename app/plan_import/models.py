"""A plan file read and waiting for its importer to confirm how its parts map to sections.

Kept in the database (not the session cookie), for the person who uploaded it in one
partnership, until it is confirmed or expires. `base_revision_ids` records each section's
revision when the file was read: confirming saves from there, so whatever was saved
meanwhile merges in (or is kept as a conflict) exactly like an editor's save.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import utcnow


class PendingImport(db.Model):
    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(120))
    file_kind: Mapped[str] = mapped_column(sa.String(20))  # "docx" or "markdown"
    # [{"heading", "level", "suggested", "blocks": [...]}] as app/plan_import/matching.py cuts them.
    parts: Mapped[list] = mapped_column(sa.JSON)
    # {section key: revision id or None}: each section as it was when the file was read.
    base_revision_ids: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Set when confirmed: the row stays (until it expires) so a second click is told, not lost.
    confirmed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<PendingImport {self.id} {self.filename!r}>"
