"""Partnerships, the organisations taking part (parties), memberships and invitations."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User
from app.extensions import db
from app.types import utcnow


class PartnershipType(enum.StrEnum):
    STRATEGIC_ALLIANCE = "strategic_alliance"
    JOINT_VENTURE = "joint_venture"
    KEY_SUPPLIER = "key_supplier"
    OUTSOURCING = "outsourcing"
    RESEARCH_COLLABORATION = "research_collaboration"
    CHANNEL_PARTNERSHIP = "channel_partnership"
    PUBLIC_PRIVATE_PARTNERSHIP = "public_private_partnership"
    OTHER = "other"

    @property
    def label(self) -> str:
        return PARTNERSHIP_TYPE_LABELS[self]


PARTNERSHIP_TYPE_LABELS = {
    PartnershipType.STRATEGIC_ALLIANCE: "Strategic alliance",
    PartnershipType.JOINT_VENTURE: "Joint venture",
    PartnershipType.KEY_SUPPLIER: "Key supplier",
    PartnershipType.OUTSOURCING: "Outsourcing",
    PartnershipType.RESEARCH_COLLABORATION: "Research collaboration",
    PartnershipType.CHANNEL_PARTNERSHIP: "Channel partnership",
    PartnershipType.PUBLIC_PRIVATE_PARTNERSHIP: "Public–private partnership",
    PartnershipType.OTHER: "Other",
}


class PartnershipStatus(enum.StrEnum):
    FORMING = "forming"
    ACTIVE = "active"
    EXITING = "exiting"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Review cadence in months, with the words people use for it.
REVIEW_CADENCES = {1: "Monthly", 3: "Quarterly", 6: "Half-yearly", 12: "Yearly"}
# How often the parties assess the relationship's maturity together (yearly unless they agree otherwise).
MATURITY_CADENCES = {6: "Half-yearly", 12: "Yearly"}


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Partnership(db.Model):
    __tablename__ = "partnership"
    __table_args__ = (
        sa.CheckConstraint(_in("type", PartnershipType), name="type"),
        sa.CheckConstraint(_in("status", PartnershipStatus), name="status"),
        sa.CheckConstraint("review_cadence_months IN (1, 3, 6, 12)", name="cadence"),
        sa.CheckConstraint("section_review_cadence_months IN (1, 3, 6, 12)", name="section_cadence"),
        sa.CheckConstraint("maturity_cadence_months IN (6, 12)", name="maturity_cadence"),
        sa.CheckConstraint("proposal_ttl_days BETWEEN 1 AND 90", name="proposal_ttl"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    type: Mapped[str] = mapped_column(sa.String(40))
    purpose: Mapped[str] = mapped_column(sa.Text)
    start_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default=PartnershipStatus.FORMING.value)
    review_cadence_months: Mapped[int] = mapped_column(default=3)
    # How often each plan section is due for a review by someone of the parties.
    section_review_cadence_months: Mapped[int] = mapped_column(default=3, server_default="3")
    # How often a joint maturity assessment is due (app/review_cycle/maturity.py).
    maturity_cadence_months: Mapped[int] = mapped_column(default=12, server_default="12")
    # Days a proposal stays open for the other parties' answers (app/consent).
    proposal_ttl_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # Agreed sections: an edit to a section of the signed baseline is proposed, not saved.
    agreed_sections: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # How far, in points of share, a party's share of the value it gets may stray from its share
    # of the value it gives before the give-and-get balance flags it (app/promises/balance.py).
    balance_band_points: Mapped[int] = mapped_column(default=20, server_default="20")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    # The parties taking part now; a party that left keeps its row (all_parties) so every
    # record of what it did still names it.
    parties: Mapped[list["Party"]] = relationship(
        primaryjoin="and_(Party.partnership_id == Partnership.id, Party.left_at.is_(None))",
        order_by="Party.id", viewonly=True,
    )
    all_parties: Mapped[list["Party"]] = relationship(back_populates="partnership", order_by="Party.id")

    @property
    def type_label(self) -> str:
        return PartnershipType(self.type).label

    @property
    def status_label(self) -> str:
        return PartnershipStatus(self.status).label

    @property
    def cadence_label(self) -> str:
        return REVIEW_CADENCES.get(self.review_cadence_months, f"Every {self.review_cadence_months} months")

    @property
    def maturity_cadence_label(self) -> str:
        return MATURITY_CADENCES.get(self.maturity_cadence_months, f"Every {self.maturity_cadence_months} months")

    def __repr__(self) -> str:
        return f"<Partnership {self.id} {self.name!r}>"


class Party(db.Model):
    """One organisation taking part in one partnership."""

    __tablename__ = "party"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the party left the partnership (its right): its people lose access; every
    # record made while it took part keeps naming it.
    left_at: Mapped[datetime | None]
    left_reason: Mapped[str | None] = mapped_column(sa.Text)
    left_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    partnership: Mapped[Partnership] = relationship(back_populates="all_parties")
    organisation: Mapped[Organisation] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="party", order_by="Membership.id"
    )

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def has_left(self) -> bool:
        return self.left_at is not None

    def __repr__(self) -> str:
        return f"<Party {self.id} of partnership {self.partnership_id}>"


class Membership(db.Model):
    """A user's role in one partnership, always through their organisation's party."""

    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "user_id"),
        sa.CheckConstraint(_in("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    is_signatory: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship()
    party: Mapped[Party] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} partnership={self.partnership_id} {self.role}>"


class Invitation(db.Model):
    """An emailed, single-use, expiring invitation; only the token's hash is stored.

    With a party it invites a colleague into that party; without one it invites a
    new organisation, whose party is created when the invitation is accepted.
    """

    __tablename__ = "invitation"
    __table_args__ = (sa.CheckConstraint(_in("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    # The party the invitee joins; None invites a new organisation as a new party.
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    # The inviter's party: its admins may re-send or revoke the invitation.
    invited_by_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    organisation_name: Mapped[str | None] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(20))
    is_signatory: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str | None] = mapped_column(sa.Text)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_count: Mapped[int] = mapped_column(default=1)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]
    # A new party is invited only once every party agreed to admit it (app/consent).
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposal.id"), index=True)

    partnership: Mapped[Partnership] = relationship()
    party: Mapped[Party | None] = relationship(foreign_keys=[party_id])
    invited_by_party: Mapped[Party] = relationship(foreign_keys=[invited_by_party_id])
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_new_party(self) -> bool:
        return self.party_id is None

    def status_at(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"

    @property
    def status(self) -> str:
        return self.status_at(utcnow())

    @property
    def is_usable(self) -> bool:
        return self.status == "pending"
