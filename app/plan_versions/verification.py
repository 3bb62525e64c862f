"""Checking a plan PDF: are its signatures intact and covering the document, who signed, and
which plan version it is (found by the content hash in its metadata), with that version's status."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Partnership
from app.plan_versions import identities, services
from app.plan_versions.models import PlanSignature, PlanVersion
from app.signing.pades import PdfReport, SignatureReport, validate_pdf
from app.signing.pdf import read_content_hash

# Validation of hostile files runs here, so a request can stop waiting for it.
_VALIDATORS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf-verify")


class VerificationTimeout(Exception):  # noqa: N818 - reads as what happened
    """The PDF took too long to check."""


@dataclass
class SignatureCheck:
    report: SignatureReport
    recorded: PlanSignature | None  # the signature in Jointly this one matches, by key fingerprint

    @property
    def ok(self) -> bool:
        return self.report.ok and self.recorded is not None


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
    def every_party_signed(self) -> bool:
        if self.version is None or self.partnership is None:
            return False
        signed = {check.recorded.party_id for check in self.signatures if check.ok}
        return signed >= {party.id for party in self.partnership.parties}

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


def verify_pdf(data: bytes, *, timeout: float | None = None) -> Verification:
    """Check `data`; VerificationTimeout when validation takes longer than `timeout` seconds."""
    try:
        claimed = read_content_hash(data)
    except Exception:  # noqa: BLE001 - unreadable files are reported by validate_pdf below
        claimed = None
    version = find_version(claimed)
    recorded = list(version.signatures) if version is not None else []
    trusted = [identities.certificate_of(s.signing_key) for s in recorded]
    future = _VALIDATORS.submit(validate_pdf, data, trusted)
    try:
        report = future.result(timeout=timeout)
    except FutureTimeout as error:
        future.cancel()
        raise VerificationTimeout("The PDF took too long to check.") from error
    if report.content_hash and report.content_hash != claimed:
        # What was signed is another version than what the file's last revision claims.
        version = find_version(report.content_hash)
        recorded = list(version.signatures) if version is not None else []
    result = Verification(report=report, version=version)
    if version is not None:
        result.partnership = db.session.get(Partnership, version.partnership_id)
        result.status = services.status_of(version, services.baseline_of(version.partnership_id))
    by_fingerprint = {s.signing_key.fingerprint: s for s in recorded}
    result.signatures = [
        SignatureCheck(signature, by_fingerprint.get(signature.certificate_fingerprint or ""))
        for signature in report.signatures
    ]
    return result
