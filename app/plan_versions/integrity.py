"""After a restore: every stored plan PDF still has the bytes Jointly recorded, and the newest
PDF of each signed version still carries one intact, valid signature per recorded signature."""

import hashlib

import sqlalchemy as sa

from app.extensions import db
from app.plan_versions.models import PlanDocument, PlanSignature, PlanVersion
from app.signing.pades import validate_pdf


def stored_pdfs_verify(report) -> None:
    """An integrity check for app.backup (appends to report.problems / report.checked)."""
    rows = db.session.execute(
        sa.select(PlanDocument.id, PlanDocument.version_id, PlanDocument.number, PlanDocument.sha256)
        .order_by(PlanDocument.version_id, PlanDocument.number)
    ).all()
    newest = {version_id: document_id for document_id, version_id, _number, _sha in rows}
    signed = dict(db.session.execute(
        sa.select(PlanSignature.version_id, sa.func.count()).group_by(PlanSignature.version_id)
    ).all())
    verified = 0
    for document_id, version_id, number, recorded in rows:
        data = db.session.scalar(sa.select(PlanDocument.data).where(PlanDocument.id == document_id))
        version = db.session.get(PlanVersion, version_id)
        name = f"plan PDF {version.label} of partnership {version.partnership_id} (stored file {number})"
        if hashlib.sha256(data).hexdigest() != recorded:
            report.problems.append(f"{name}: its bytes differ from their recorded SHA-256")
            continue
        if newest[version_id] != document_id or not signed.get(version_id):
            continue
        problem = _signature_problem(validate_pdf(data), signed[version_id], version.content_hash)
        if problem:
            report.problems.append(f"{name}: {problem}")
        else:
            verified += 1
    report.checked.append(f"{len(rows)} stored plan PDFs match their SHA-256; {verified} signed ones verify")


def _signature_problem(pdf, expected: int, content_hash: str) -> str | None:
    if pdf.error:
        return pdf.error
    good = [s for s in pdf.signatures if s.ok]
    if len(good) != len(pdf.signatures) or len(good) != expected:
        return f"{len(good)} of {expected} signatures are intact, valid and unaltered after signing"
    if not pdf.intact_and_covers_document:
        return "changed after its last signature"
    if pdf.content_hash != content_hash:
        return "carries another plan version's content hash"
    return None
