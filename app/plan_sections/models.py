"""The shared plan's storage: a section per (partnership, section type), its revisions and reviews.

A section's current content is a pointer to its newest revision; revisions and
reviews are append-only (never updated or deleted), so history, diffs, restores
and signatures always refer to exactly what was saved.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.partnerships.models import Party
from app.types import utcnow

REVISION_KINDS = ("edit", "restore", "merge")


class PlanSection(db.Model):
    """One of the ten sections of one partnership's plan."""

    __tablename__ = "plan_section"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    section_key: Mapped[str] = mapped_column(sa.String(40))
    # The newest revision (None until the first save). use_alter breaks the table cycle;
    # SET NULL only lets whole tables be emptied, as revisions are never deleted.
    current_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("section_revision.id", use_alter=True, ondelete="SET NULL")
    )
    # Revisions saved so far: numbering stays gapless without counting rows.
    revision_count: Mapped[int] = mapped_column(default=0)
    # The latest "still current" review, copied from its SectionReview for cheap reads.
    last_reviewed_at: Mapped[datetime | None]
    last_reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    last_reviewed_party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    last_reviewed_revision_number: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    current_revision: Mapped["SectionRevision | None"] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )
    last_reviewed_by: Mapped[User | None] = relationship(foreign_keys=[last_reviewed_by_id])
    last_reviewed_party: Mapped[Party | None] = relationship(foreign_keys=[last_reviewed_party_id])

    def __repr__(self) -> str:
        return f"<PlanSection {self.section_key} of partnership {self.partnership_id}>"


class SectionRevision(db.Model):
    """The whole content of a section as saved once: immutable."""

    __tablename__ = "section_revision"
    __table_args__ = (
        sa.UniqueConstraint("section_id", "number"),
        sa.CheckConstraint("kind IN ('edit', 'restore', 'merge')", name="kind"),
        sa.CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_section.id"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(sa.JSON)
    # SHA-256 of the canonical JSON of `content`.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The narrative rendered and sanitised once, when saved.
    narrative_html: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    author_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="edit")
    # The revision the author started from (None for a section's first revision).
    base_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("section_revision.id"))

    section: Mapped[PlanSection] = relationship(foreign_keys=[section_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    author_party: Mapped[Party] = relationship(foreign_keys=[author_party_id])

    def __repr__(self) -> str:
        return f"<SectionRevision {self.number} of section {self.section_id}>"


class SectionReview(db.Model):
    """Someone confirmed a section is still current, as of one revision."""

    __tablename__ = "section_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_section.id"), index=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("section_revision.id"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.String(500))

    section: Mapped[PlanSection] = relationship()
    revision: Mapped[SectionRevision] = relationship()
    reviewer: Mapped[User] = relationship()
    party: Mapped[Party] = relationship()


def _refuse_change(_mapper, _connection, target) -> None:
    raise RuntimeError(f"{type(target).__name__} rows are append-only and cannot be changed or deleted")


# Append-only, enforced where every ORM write passes.
for _model in (SectionRevision, SectionReview):
    sa.event.listen(_model, "before_update", _refuse_change)
    sa.event.listen(_model, "before_delete", _refuse_change)
