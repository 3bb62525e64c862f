"""Evidence packs a partnership admin exported: asked for in a request, built by a worker."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User
from app.extensions import db
from app.types import utcnow

PACK_STATUSES = ("pending", "ready")


class EvidencePack(db.Model):
    """One export: who asked, for which organisation it is signed, and (once a worker built it)
    the ZIP itself, stored whole and served byte for byte."""

    __tablename__ = "evidence_pack"
    __table_args__ = (sa.CheckConstraint("status IN ('pending', 'ready')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    member_count: Mapped[int | None]
    signer_fingerprint: Mapped[str | None] = mapped_column(sa.String(95))
    build_seconds: Mapped[float | None]

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship()
