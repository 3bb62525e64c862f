"""Plan versions, the parties' signatures on them, their stored PDFs and the organisations'
signing keys.

A version freezes the plan: its canonical JSON (every section's content and the partnership's
profile) is stored as issued and hashed. Once every party has signed, the version, its
signatures and its PDFs never change again: the ORM listeners below refuse it, and on
PostgreSQL the triggers of migration 0006_plan_versions refuse it too (also for raw SQL).
A signed version becomes "superseded" by being followed by a newer signed version (derived,
never written), so nothing about it is ever updated.

Signing has a time frame and may have an order, both chosen when the version is issued and
frozen with it (the triggers refuse changing them too):

- `PlanVersion.sign_by`: the date (optional) by which every party is asked to sign. The
  version is overdue once that day has passed while it still awaits signatures
  (`PlanVersion.overdue_on(today)`); other pages (due dates, calendars) read this column.
- `PlanVersion.signing_order`: the party ids of `parties` in the order they sign, or None
  when they sign in any order. A party is asked to sign, and may sign, once every party
  before it has signed.
- `SignatureNudge`: an admin's reminder to a party that has not signed yet (append-only).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User
from app.extensions import db
from app.partnerships.models import Party
from app.types import utcnow

# "awaiting": out for signature; "signed": every party signed (a baseline, current or
# superseded); "declined": a signatory declined; "withdrawn": its issuer took it back.
VERSION_STATUSES = ("awaiting", "signed", "declined", "withdrawn")
AUTH_METHODS = ("password", "password+totp")
KEY_SOURCES = ("generated", "uploaded")


class PlanVersion(db.Model):
    __tablename__ = "plan_version"
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "major", "minor"),
        sa.CheckConstraint("status IN ('awaiting', 'signed', 'declined', 'withdrawn')", name="status"),
        sa.CheckConstraint("major >= 0 AND minor >= 0", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    major: Mapped[int]
    minor: Mapped[int]
    summary: Mapped[str] = mapped_column(sa.Text)
    # The canonical JSON as issued (deterministic: sorted keys, no spaces) and its SHA-256.
    canonical: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    # {section_key: revision id} of the revisions frozen (sections not written are left out).
    revision_ids: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default="awaiting")
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    issued_by_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The parties of the partnership when the version was issued, frozen with it: each as
    # {"party_id", "name", "signatories": [user ids who could sign for it]}. "Signed by every
    # party" always means every party listed here; a later party never changes it.
    parties: Mapped[list] = mapped_column(sa.JSON, default=list)
    # When the last party signed (the version became the signed baseline).
    signed_at: Mapped[datetime | None]
    # A decline or a withdrawal: who, for which party, when and why.
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party.id"))
    close_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The last day to sign (inclusive), chosen at issue; None for no deadline.
    sign_by: Mapped[date | None]
    # [party id, ...]: the order the parties sign in, chosen at issue; None for any order.
    signing_order: Mapped[list | None] = mapped_column(sa.JSON)

    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    issued_by_party: Mapped[Party] = relationship(foreign_keys=[issued_by_party_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    closed_party: Mapped[Party | None] = relationship(foreign_keys=[closed_party_id])
    signatures: Mapped[list["PlanSignature"]] = relationship(
        back_populates="version", order_by="PlanSignature.id"
    )

    @property
    def label(self) -> str:
        return f"v{self.major}.{self.minor}"

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def overdue_on(self, today: date) -> bool:
        """Still awaiting signatures after its last day to sign."""
        return self.status == "awaiting" and self.sign_by is not None and today > self.sign_by

    def __repr__(self) -> str:
        return f"<PlanVersion {self.label} of partnership {self.partnership_id} {self.status}>"


class PlanSignature(db.Model):
    """One party's signature on a version, as its signatory gave it: immutable."""

    __tablename__ = "plan_signature"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "party_id"),
        sa.CheckConstraint("auth_method IN ('password', 'password+totp')", name="auth_method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_version.id"), index=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    signer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    typed_name: Mapped[str] = mapped_column(sa.String(120))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(400))
    auth_method: Mapped[str] = mapped_column(sa.String(20))
    intent: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The organisation key that signs the PDF for this signature.
    signing_key_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation_signing_key.id"))

    version: Mapped[PlanVersion] = relationship(back_populates="signatures")
    party: Mapped[Party] = relationship()
    signer: Mapped[User] = relationship()
    signing_key: Mapped["OrganisationSigningKey"] = relationship()


class SignatureNudge(db.Model):
    """An admin's polite reminder to a party that has not signed a version yet: who sent it, to
    which party, when. Never changed; at most one per version and party in NUDGE_INTERVAL."""

    __tablename__ = "signature_nudge"
    __table_args__ = (sa.Index("ix_signature_nudge_version_party", "version_id", "party_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_version.id"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    sent_by_party_id: Mapped[int] = mapped_column(sa.ForeignKey("party.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    party: Mapped[Party] = relationship(foreign_keys=[party_id])
    sent_by: Mapped[User] = relationship()


class PlanDocument(db.Model):
    """A stored PDF of a version: number 0 is the rendered document, each later one adds the
    PAdES signature of `signature_id` as an incremental update. The newest is served."""

    __tablename__ = "plan_document"
    __table_args__ = (sa.UniqueConstraint("version_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_version.id"), index=True)
    number: Mapped[int]
    signature_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_signature.id"), unique=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    render_seconds: Mapped[float | None]

    version: Mapped[PlanVersion] = relationship()


class OrganisationSigningKey(db.Model):
    """An organisation's signing key (encrypted under SIGNING_KEYS_SECRET) and certificate.
    The newest row is the one used; older ones stay for the signatures they made."""

    __tablename__ = "organisation_signing_key"
    __table_args__ = (sa.CheckConstraint("source IN ('generated', 'uploaded')", name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    encrypted_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # The SIGNING_KEYS_SECRET key that encrypts it; NULL for keys stored before key ids, which
    # are encrypted under SECRET_KEY (or one of SECRET_KEY_FALLBACKS) until `ermp rekey`.
    encryption_key_id: Mapped[str | None] = mapped_column(sa.String(40))
    # PEM: the certificate, then any intermediates.
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    fingerprint: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.String(300))
    not_after: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()


class ImmutableRecord(RuntimeError):  # noqa: N818 - reads as what it is, like StaleRevision
    """Something tried to change or delete a signed record."""


def _refuse(_mapper, _connection, target) -> None:
    raise ImmutableRecord(f"{type(target).__name__} rows are immutable and cannot be changed or deleted")


FROZEN_VERSION_COLUMNS = ("partnership_id", "major", "minor", "summary", "canonical", "content_hash",
                          "revision_ids", "issued_by_id", "issued_by_party_id", "issued_at", "parties",
                          "sign_by", "signing_order")


def _check_version_update(_mapper, connection, target: PlanVersion) -> None:
    state = sa.inspect(target)
    # Read the stored status: the loaded one may be expired or already changed.
    stored = connection.scalar(sa.select(PlanVersion.status).where(PlanVersion.id == target.id))
    if stored == "signed":
        raise ImmutableRecord(f"plan version {target.id} is signed and cannot be changed")
    for name in FROZEN_VERSION_COLUMNS:
        if state.attrs[name].history.added:
            raise ImmutableRecord(f"the issued content of plan version {target.id} cannot be changed")


def _check_version_delete(_mapper, _connection, target: PlanVersion) -> None:
    raise ImmutableRecord(f"plan version {target.id} cannot be deleted")


for _model in (PlanSignature, PlanDocument, SignatureNudge):
    sa.event.listen(_model, "before_update", _refuse)
    sa.event.listen(_model, "before_delete", _refuse)
sa.event.listen(PlanVersion, "before_update", _check_version_update)
sa.event.listen(PlanVersion, "before_delete", _check_version_delete)


# The same rules in PostgreSQL, so no SQL at all can change a signed record. Kept here and
# repeated verbatim in migrations 0006_plan_versions, 0011_consent (which adds the frozen
# parties) and 0012_signing_deadlines (the deadline and the signing order); the tests build
# schemas with create_all.
PG_TRIGGERS = (
    """
CREATE OR REPLACE FUNCTION plan_version_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'plan version % cannot be deleted', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION 'plan version % is signed and cannot be changed', OLD.id USING ERRCODE = 'restrict_violation';
  END IF;
  IF (NEW.partnership_id, NEW.major, NEW.minor, NEW.summary, NEW.canonical, NEW.content_hash,
      NEW.revision_ids::text, NEW.issued_by_id, NEW.issued_by_party_id, NEW.issued_at, NEW.parties::text,
      NEW.sign_by, NEW.signing_order::text)
     IS DISTINCT FROM
     (OLD.partnership_id, OLD.major, OLD.minor, OLD.summary, OLD.canonical, OLD.content_hash,
      OLD.revision_ids::text, OLD.issued_by_id, OLD.issued_by_party_id, OLD.issued_at, OLD.parties::text,
      OLD.sign_by, OLD.signing_order::text) THEN
    RAISE EXCEPTION 'the issued content of plan version % cannot be changed', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION plan_record_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are immutable and cannot be changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER plan_version_guard BEFORE UPDATE OR DELETE ON plan_version "
    "FOR EACH ROW EXECUTE FUNCTION plan_version_guard()",
    "CREATE TRIGGER plan_signature_immutable BEFORE UPDATE OR DELETE ON plan_signature "
    "FOR EACH ROW EXECUTE FUNCTION plan_record_immutable()",
    "CREATE TRIGGER plan_document_immutable BEFORE UPDATE OR DELETE ON plan_document "
    "FOR EACH ROW EXECUTE FUNCTION plan_record_immutable()",
)


def _install_triggers(_table, connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        for statement in PG_TRIGGERS:
            connection.execute(sa.text(statement))


# After the last of the three tables exists (create_all creates them in dependency order).
sa.event.listen(PlanDocument.__table__, "after_create", _install_triggers)



class DraftPdf(db.Model):
    """The working plan as a DRAFT PDF, cached per content: one row per partnership and hash of
    what the document shows (sections, their revisions and the profile), so everyone asking for
    the same draft shares one render. `html` is the document as it was when first asked for,
    kept until the worker has rendered it."""

    __tablename__ = "draft_pdf"
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "content_hash"),
        sa.CheckConstraint("status IN ('pending', 'ready')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership.id"), index=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    html: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]
    render_seconds: Mapped[float | None]
