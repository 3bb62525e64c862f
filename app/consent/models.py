"""Proposals to change the partnership itself, and each party's answer to them.

A proposal is made by an admin of one party and takes effect only when every other party
has agreed (app/consent/services.py). Its `kind` names what it changes (app/consent/kinds.py);
its `payload` holds what the change needs, as proposed, so the page can say exactly what
will change and the change applies exactly what was agreed.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.partnerships.models import Partnership, Party
from app.types import utcnow

OPEN = "open"
# open → agreed (every other party agreed; the change was applied) | declined (one party
# declined) | withdrawn (by the proposer's party) | expired (nobody decided in time) |
# lapsed (it no longer applies: e.g. the version it would withdraw was signed, or the
# parties changed while it was open).
STATUSES = (OPEN, "agreed", "declined", "withdrawn", "expired", "lapsed")
ANSWERS = ("agree", "decline")


class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        sa.Index("ix_proposal_partnership_status", "partnership_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    # One line saying what will change, as the proposer's party saw it when proposing.
    summary: Mapped[str] = mapped_column(sa.String(300))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Whose answer counts for each other party: "admin" or "signatory" (per kind).
    answered_by: Mapped[str] = mapped_column(sa.String(20), default="admin")
    # The parties asked, as when proposed: [party ids]. A change of parties lapses it.
    asked_party_ids: Mapped[list] = mapped_column(sa.JSON)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    proposed_by_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(20), default=OPEN)
    decided_at: Mapped[datetime | None]
    # Why it ended as it did, in words for the page ("Declined by Contoso: …").
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    reminded_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship()
    proposed_by: Mapped[User] = relationship()
    proposed_by_party: Mapped[Party] = relationship()
    responses: Mapped[list["ProposalResponse"]] = relationship(
        back_populates="proposal", order_by="ProposalResponse.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.kind} {self.status}>"


class ProposalResponse(db.Model):
    """One party's answer; a party answers once (its first answer stands)."""

    __tablename__ = "proposal_response"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "party_id"),
        sa.CheckConstraint("answer IN ('agree', 'decline')", name="answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    answer: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="responses")
    party: Mapped[Party] = relationship()
    user: Mapped[User] = relationship()
