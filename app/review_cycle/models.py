"""What the review cycle stores: a partnership's health dimensions, its cycles, each party's
assessment, stage agreements, adaptations (and the plan revisions saved for them), and
improvement actions.

A cycle copies its dimensions and measures when it opens, so renaming or retiring a
dimension, or editing a measure, changes future cycles only. At most one cycle per
partnership is open: a partial unique index enforces it in the database.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.partnerships.models import Party
from app.types import utcnow

STAGES = ("review", "adapt", "improve", "operate")
CLOSED = "closed"
# What a cycle is: the quarterly review of the relationship's health, or the maturity assessment
# (app/review_cycle/maturity.py), scored by the same blind engine on its own schedule. A maturity
# assessment has no Adapt stage: it changes no plan section, it commits to actions.
KINDS = ("review", "maturity")
KIND_STAGES = {"review": STAGES, "maturity": ("review", "improve", "operate")}
STAGE_LABELS = {"review": "Review", "adapt": "Adapt", "improve": "Improve", "operate": "Operate", CLOSED: "Closed"}
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
ACTION_STATUS_LABELS = {"open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
LINK_KINDS = ("dimension", "measure", "risk")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class HealthDimension(db.Model):
    """One thing both parties score every cycle (trust, communication, …)."""

    __tablename__ = "health_dimension"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewCycle(db.Model):
    __tablename__ = "review_cycle"
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "kind", "period"),
        sa.CheckConstraint(_in("stage", (*STAGES, CLOSED)), name="stage"),
        sa.CheckConstraint(_in("kind", KINDS), name="kind"),
        # One open cycle of each kind per partnership, whoever opens it and however many at once.
        sa.Index(
            "uq_review_cycle_one_open", "partnership_id", "kind", unique=True,
            sqlite_where=sa.text("stage != 'closed'"), postgresql_where=sa.text("stage != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="review", server_default="review")
    period: Mapped[str] = mapped_column(sa.String(20))  # "2026-Q4", "2026-H2", "2026-11", "2026"
    stage: Mapped[str] = mapped_column(sa.String(20), default="review")
    # [{"id": dimension id, "name": ...}] and the business case's measures, as at opening.
    dimensions: Mapped[list] = mapped_column(sa.JSON)
    measures: Mapped[list] = mapped_column(sa.JSON)
    review_due_on: Mapped[date]
    close_due_on: Mapped[date]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the last party submits: from then on every party sees every assessment.
    revealed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The parties taking part in this cycle, fixed when it opens ([{"party_id", "name"}]): the
    # cycle waits for these and no other; a party admitted later joins from the next cycle
    # (or this one, while in Review, when the agreed proposal said so).
    parties: Mapped[list] = mapped_column(sa.JSON, default=list)

    opened_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.stage != CLOSED

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def is_maturity(self) -> bool:
        return self.kind == "maturity"

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages this kind of cycle goes through, in order."""
        return KIND_STAGES[self.kind]

    @property
    def name(self) -> str:
        """How a sentence names it: "the 2026-Q4 review", "the 2026 maturity assessment"."""
        return f"{self.period} maturity assessment" if self.is_maturity else f"{self.period} review"

    @property
    def title(self) -> str:
        """How a page heading names it: "Review 2026-Q4", "Maturity assessment 2026"."""
        return f"Maturity assessment {self.period}" if self.is_maturity else f"Review {self.period}"


class Assessment(db.Model):
    """One party's review of one cycle: a draft its admins and editors share until submitted.

    `scores` maps a dimension id (as text) to {"score": 1..5 or None, "comment": str};
    `measures` maps a measure id to {"actual": decimal text or None, "disputed": bool,
    "reason": str} — the data owner's actual, or the other party's own view of it.
    """

    __tablename__ = "assessment"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "party_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cycle.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    measures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    achievements: Mapped[str] = mapped_column(sa.Text, default="")
    concerns: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    party: Mapped[Party] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    submissions: Mapped[list["AssessmentSubmission"]] = relationship(
        back_populates="assessment", order_by="AssessmentSubmission.number"
    )


class AssessmentSubmission(db.Model):
    """What a party submitted, as submitted: one row per submission of an assessment.

    A submission is never changed. Reopening an assessment to correct it (agreed by every
    party, app/review_cycle/corrections.py) marks its latest submission superseded; the
    corrected assessment, when submitted, is the next row. The original stays in the record.
    """

    __tablename__ = "assessment_submission"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessment.id"), index=True)
    number: Mapped[int]
    scores: Mapped[dict] = mapped_column(sa.JSON)
    measures: Mapped[dict] = mapped_column(sa.JSON)
    achievements: Mapped[str] = mapped_column(sa.Text)
    concerns: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Set when a correction was agreed: the proposal that reopened the assessment.
    superseded_at: Mapped[datetime | None]
    superseded_by_proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="submissions")
    submitted_by: Mapped[User | None] = relationship()


class StageAgreement(db.Model):
    """A party's admin agreed the cycle may leave `stage`; withdrawn when something relevant
    changes before every party agreed."""

    __tablename__ = "stage_agreement"
    __table_args__ = (
        sa.CheckConstraint(_in("stage", STAGES), name="stage"),
        sa.Index(
            "uq_stage_agreement_live", "cycle_id", "stage", "party_id", unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"), postgresql_where=sa.text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cycle.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_because: Mapped[str | None] = mapped_column(sa.String(200))

    party: Mapped[Party] = relationship()
    user: Mapped[User] = relationship()


class Adaptation(db.Model):
    """What the parties agree to change in how they work, why, and which plan section it touches."""

    __tablename__ = "adaptation"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cycle.id"), index=True)
    what: Mapped[str] = mapped_column(sa.Text)
    why: Mapped[str] = mapped_column(sa.Text, default="")
    section_key: Mapped[str | None] = mapped_column(sa.String(40))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User] = relationship()
    party: Mapped[Party] = relationship()


class CycleRevision(db.Model):
    """A plan revision saved from a section editor opened in a cycle's context."""

    __tablename__ = "cycle_revision"
    __table_args__ = (sa.UniqueConstraint("revision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cycle.id"), index=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("section_revision.id"))
    adaptation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("adaptation.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImprovementAction(db.Model):
    """A commitment one party makes in a cycle: the record earned trust is measured from."""

    __tablename__ = "improvement_action"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
        sa.CheckConstraint(f"link_kind IS NULL OR {_in('link_kind', LINK_KINDS)}", name="link_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cycle.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    due_on: Mapped[date]
    link_kind: Mapped[str | None] = mapped_column(sa.String(20))
    link_ref: Mapped[str | None] = mapped_column(sa.String(40))
    link_label: Mapped[str | None] = mapped_column(sa.String(160))
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]
    promoted_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    owner_party: Mapped[Party] = relationship(foreign_keys=[owner_party_id])
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]

    @property
    def is_live(self) -> bool:
        return self.status in ("open", "in_progress")

    def is_overdue(self, today: date) -> bool:
        return self.is_live and self.due_on < today

    @property
    def kept(self) -> bool:
        """Done by its due date."""
        return self.status == "done" and self.done_at is not None and self.done_at.date() <= self.due_on


class ReviewReportDocument(db.Model):
    """The PDF of a closed cycle's report, rendered once by a worker and served as stored:
    a closed cycle's report never changes."""

    __tablename__ = "review_report_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("review_cycle.id"), unique=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    render_seconds: Mapped[float | None]
