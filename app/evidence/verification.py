"""Verifying an evidence pack on an installation: the file checked in a limited child process
(app/evidence/inspection.py), then whether the certificate that signed its manifest is one to
trust.

What is trusted, and why: a pack's signature says only "whoever holds this certificate's key
signed this manifest"; anyone can make a certificate naming any organisation. So a pack is
accepted only when its signer is
- a certificate the person checking names themselves (`verify-pack --trust CERT.pem`: the
  exporting organisation's certificate, obtained from that organisation), or otherwise
- a signing certificate this installation holds for the organisation the manifest names as
  exporter: the very certificate that organisation's signatures on the plan PDFs are made with
  (a generated one, or the one the organisation uploaded; older ones too, after a change).
A pack signed by another organisation's key, or by a certificate nobody here knows, is refused
and the report says whose it is.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from cryptography import x509
from flask import current_app

from app.evidence.checking import PackCheck
from app.extensions import db
from app.limited import ChildFailed, LimitReached, Limits, run_limited
from app.plan_versions.models import OrganisationSigningKey
from app.signing.keys import certificate_fingerprint


@dataclass
class PackVerification:
    check: PackCheck
    trusted_because: str | None = None
    not_trusted: str | None = None
    file_name: str = ""
    file_sha256: str = ""
    file_size: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def manifest(self) -> dict:
        return self.check.manifest or {}

    @property
    def ok(self) -> bool:
        return self.check.ok and self.trusted_because is not None

    @property
    def problem(self) -> str | None:
        """The first thing that makes the pack unacceptable, as a sentence."""
        return self.check.problem or self.not_trusted

    @property
    def verdict(self) -> str:
        if self.ok:
            return "Intact evidence pack, signed by " + self.exporter
        if self.check.problem and self.check.manifest is None:
            return "Not a valid evidence pack"
        if self.check.signature is not None and not self.check.signature.ok:
            return "Forged or damaged: the manifest's signature does not verify"
        if self.not_trusted:
            return "Not trusted: the manifest is signed by a certificate Jointly does not trust for it"
        problems = {member.problem for member in self.check.member_problems}
        if problems == {"signatures"}:
            return "Not intact: the signed plan in the pack does not carry valid signatures"
        return "Not intact: the pack's files do not match its signed manifest"

    @property
    def exported_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.manifest.get("exported_at") or "")
        except (TypeError, ValueError):
            return None

    @property
    def exporter(self) -> str:
        organisation = (self.manifest.get("exported_by") or {}).get("organisation") or {}
        return str(organisation.get("name") or "an unnamed organisation")


def verification_limits() -> Limits:
    config = current_app.config
    return Limits(config["VERIFY_CPU_SECONDS"], config["VERIFY_MEMORY_MB"], config["VERIFY_TIMEOUT_SECONDS"])


def verify_pack(data: bytes, *, trusted: list[x509.Certificate] | None = None,
                limits: Limits | None = None) -> PackVerification:
    """Check `data` as a pack and decide whether its signer is trusted (see the module's docstring)."""
    limits = limits or verification_limits()
    try:
        check = PackCheck.from_json(run_limited("app.evidence.inspection", data, limits).decode())
    except LimitReached as stopped:
        check = PackCheck(problem={
            "time": f"Checking the pack took longer than {limits.wall_seconds:g} seconds, so it was stopped.",
            "memory": f"Checking the pack needed more than {limits.memory_mb} MB of memory, so it was stopped.",
            "cpu": f"Checking the pack needed more than {limits.cpu_seconds} seconds of computing time, so it "
                   "was stopped.",
        }[stopped.which])
    except (ChildFailed, ValueError, KeyError, TypeError):
        check = PackCheck(problem="The pack could not be checked: the checker stopped on it.")
    return judge(check, trusted)


def judge(check: PackCheck, trusted: list[x509.Certificate] | None = None) -> PackVerification:
    """Whether the signer of an intact signature is trusted for the exporter the manifest names."""
    result = PackVerification(check)
    signature = check.signature
    if signature is None or not signature.ok:
        return result
    named = result.manifest.get("signer_certificate_sha256")
    if named and named != signature.fingerprint:
        result.notes.append("The manifest names another certificate than the one that signed it.")
    if trusted is not None:
        fingerprints = {certificate_fingerprint(certificate) for certificate in trusted}
        if signature.fingerprint in fingerprints:
            result.trusted_because = ("Signed with the certificate you gave to trust "
                                      f"(SHA-256 fingerprint {signature.fingerprint}).")
        else:
            result.not_trusted = (f"The manifest is signed by a certificate naming “{signature.organisation}” "
                                  f"(fingerprint {signature.fingerprint}), not by the certificate you gave to trust.")
        return result
    exporter = (result.manifest.get("exported_by") or {}).get("organisation") or {}
    keys = db.session.scalars(
        sa.select(OrganisationSigningKey).where(OrganisationSigningKey.fingerprint == signature.fingerprint)
    ).all()
    if not keys:
        result.not_trusted = (
            f"The manifest is signed by a certificate this installation does not know: it names "
            f"“{signature.organisation or signature.common_name}” (fingerprint {signature.fingerprint}), but no "
            "organisation here signs with it. Jointly trusts only the signing certificates its organisations sign "
            "their plans with; for a pack from elsewhere, check it with the exporting organisation's certificate "
            "(flask --app wsgi ermp verify-pack FILE --trust CERT.pem).")
        return result
    owner = keys[0].organisation
    if exporter.get("id") != owner.id:
        result.not_trusted = (
            f"The manifest says {result.exporter} exported the pack, but it is signed with {owner.name}'s signing "
            f"certificate (fingerprint {signature.fingerprint}).")
        return result
    current = keys[0].id == db.session.scalar(
        sa.select(sa.func.max(OrganisationSigningKey.id)).where(OrganisationSigningKey.organisation_id == owner.id)
    )
    result.trusted_because = (
        f"Signed with {owner.name}'s {'current' if current else 'earlier'} signing certificate as this installation "
        f"holds it: the one {owner.name} signs its plans with.")
    return result


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from a PEM (one or several) or DER file; ValueError when there are none."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]

