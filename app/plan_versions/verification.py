"""Checking a plan PDF: are its signatures intact and covering the document, who signed, and
which plan version it is (found by the content hash in its metadata), with that version's status."""

import dataclasses
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.partnerships.models import Partnership
from app.partnerships.parties import RecordParty
from app.plan_versions import services
from app.plan_versions.models import PlanSignature, PlanVersion
from app.signing.inspection import InspectionRefused, Limits, inspect_pdf
from app.signing.pades import PdfReport, SignatureReport

# What a refused check raises: a limit stopped it; the message says which.
VerificationRefused = InspectionRefused


@dataclass
class SignatureCheck:
    report: SignatureReport
    recorded: PlanSignature | None  # the signature in Jointly this one matches, by key fingerprint

    @property
    def ok(self) -> bool:
        return self.report.ok and self.recorded is not None


@dataclass(frozen=True)
class EvidenceCheck:
    """A file checked against the version's annex: the entry with its SHA-256, or None."""

    name: str
    sha256: str
    size: int
    listed: dict | None

    @property
    def ok(self) -> bool:
        return self.listed is not None


@dataclass
class Verification:
    report: PdfReport
    version: PlanVersion | None = None
    partnership: Partnership | None = None
    status: str | None = None
    signatures: list[SignatureCheck] = field(default_factory=list)
    file_name: str = ""
    file_sha256: str = ""
    file_size: int = 0

    @property
    def status_label(self) -> str | None:
        return services.STATUS_LABELS.get(self.status) if self.status else None

    @property
    def intact(self) -> bool:
        return self.report.intact_and_covers_document

    @property
    def changed_after_signing(self) -> bool:
        return bool(self.report.signatures) and not self.intact

    @property
    def parties(self) -> list[RecordParty]:
        """The parties the version was issued to: the ones whose signatures make it binding."""
        return services.parties_of_version(self.version) if self.version is not None else []

    @property
    def every_party_signed(self) -> bool:
        """Every party of *its* version signed: a party that joined later was never asked to."""
        if self.version is None or self.partnership is None:
            return False
        signed = {check.recorded.party_id for check in self.signatures if check.ok}
        return bool(self.parties) and signed >= {party.id for party in self.parties}

    @property
    def verdict(self) -> str:
        """One line saying what the check found, for the page and the command alike."""
        report = self.report
        if self.ok:
            return f"Intact, signed by every party of {self.version.label}"
        if report.error:
            return "Not a readable PDF"
        if not report.signatures:
            return "No signatures in this PDF"
        if not self.intact:
            return "Not intact: changed after signing, or a signature does not verify"
        if self.version is None:
            return "Intact, but not a plan version Jointly knows"
        return f"Intact, but {self.version.label} is not signed by every party it was issued to"

    @property
    def evidence(self) -> list[dict]:
        """The files the version rests on, as its annex lists them (its canonical document froze
        them, and the content hash the signatures cover is that document's)."""
        return services.evidence_of(self.version) if self.version is not None else []

    def check_files(self, files: list[tuple[str, str, int]]) -> list[EvidenceCheck]:
        """Each (name, SHA-256, size) against the annex: listed when a file of that hash is."""
        by_hash = {row["sha256"]: row for row in self.evidence}
        return [EvidenceCheck(name, sha256, size, by_hash.get(sha256)) for name, sha256, size in files]

    @property
    def ok(self) -> bool:
        """Intact, every signature matches a recorded one, and it is a signed version."""
        return (
            self.intact
            and self.version is not None
            and self.status in ("signed", "superseded")
            and all(check.ok for check in self.signatures)
            and self.every_party_signed
        )


def find_version(content_hash: str | None) -> PlanVersion | None:
    if not content_hash:
        return None
    return db.session.scalar(
        sa.select(PlanVersion).where(PlanVersion.content_hash == content_hash).order_by(PlanVersion.id).limit(1)
    )


def verification_limits() -> Limits:
    config = current_app.config
    return Limits(config["VERIFY_CPU_SECONDS"], config["VERIFY_MEMORY_MB"], config["VERIFY_TIMEOUT_SECONDS"])


def verify_pdf(data: bytes, limits: Limits | None = None) -> Verification:
    """Check `data` in a limited child process (app.signing.inspection); VerificationRefused
    when a limit stopped the check. The file is parsed only there, never in this process."""
    inspection = inspect_pdf(data, limits or verification_limits())
    claimed, report = inspection.claimed_hash, inspection.report
    version = find_version(claimed)
    recorded = list(version.signatures) if version is not None else []
    if report.content_hash and report.content_hash != claimed:
        # What was signed is another version than what the file's last revision claims.
        version = find_version(report.content_hash)
        recorded = list(version.signatures) if version is not None else []
    result = Verification(report=report, version=version)
    if version is not None:
        result.partnership = db.session.get(Partnership, version.partnership_id)
        result.status = services.status_of(version, services.baseline_of(version.partnership_id))
    by_fingerprint = {s.signing_key.fingerprint: s for s in recorded}
    # Trusted means signed with the very certificate Jointly recorded for that signature (the
    # child validates without trust roots, so that nothing of the database reaches it).
    result.signatures = [
        SignatureCheck(
            dataclasses.replace(signature, trusted=signature.certificate_fingerprint in by_fingerprint),
            by_fingerprint.get(signature.certificate_fingerprint or ""),
        )
        for signature in report.signatures
    ]
    return result
