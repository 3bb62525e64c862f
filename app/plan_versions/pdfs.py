"""The stored PDFs of plan versions: rendered once, then signed once per party signature.

Each step is a new, immutable PlanDocument row holding the whole file (an incremental update
of the previous one), so the newest row is always the file to serve, byte for byte. Rendering
takes seconds, so views start `build_soon` after their commit: a background thread brings the
version's documents up to date while the request returns (PLAN_PDF_IN_BACKGROUND=False runs it
inline, as the tests do). Builders of one version take turns on a PostgreSQL advisory lock.
"""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.partnerships.models import Partnership
from app.plan_versions import identities, services
from app.plan_versions.document import document_html, signature_field_name
from app.plan_versions.models import PlanDocument, PlanSignature, PlanVersion
from app.signing import pades
from app.signing.pdf import render_pdf

log = logging.getLogger("jointly.plan_versions")
# WeasyPrint reports every layout step at INFO: a 150-page plan would write hundreds of lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
_ADVISORY_NAMESPACE = 6006  # pg_advisory_xact_lock(namespace, version id)


@dataclass(frozen=True)
class DocumentState:
    ready: bool  # the newest stored PDF carries every signature given so far
    latest: PlanDocument | None


def documents_of(version_id: int) -> list[PlanDocument]:
    return list(db.session.scalars(
        sa.select(PlanDocument).where(PlanDocument.version_id == version_id).order_by(PlanDocument.number)
    ))


def document_state(version: PlanVersion) -> DocumentState:
    documents = documents_of(version.id)
    signature_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(PlanSignature).where(PlanSignature.version_id == version.id)
    )
    latest = documents[-1] if documents else None
    return DocumentState(ready=len(documents) == 1 + signature_count, latest=latest)


def pdf_metadata(partnership: Partnership, version: PlanVersion | None) -> dict:
    label = version.label if version is not None else "working draft"
    return {
        "title": f"{partnership.name} — Relationship Management Plan {label}",
        "author": ", ".join(party.name for party in services.parties_of(partnership.id)),
        "subject": f"Enterprise Relationship Management Plan, {label}",
        "keywords": ["ERMP", "relationship management plan", label, partnership.name],
        "lang": "en-GB",
    }


def render_version(version: PlanVersion) -> bytes:
    partnership = db.session.get(Partnership, version.partnership_id)
    return render_pdf(
        document_html(partnership, version), content_hash=version.content_hash, **pdf_metadata(partnership, version)
    )


def render_draft(partnership: Partnership) -> bytes:
    """The working plan as a PDF, watermarked DRAFT on every page (no signature fields)."""
    return render_pdf(
        document_html(partnership, None, draft=True), draft=True, signature_fields=False,
        **pdf_metadata(partnership, None),
    )


def update_documents(version_id: int) -> int:
    """Render and sign what is missing for the version; returns how many documents were added.
    Runs in the caller's transaction (the caller commits)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADVISORY_NAMESPACE, version_id)))
    version = db.session.get(PlanVersion, version_id)
    documents = documents_of(version_id)
    added = 0
    if not documents:
        started = time.perf_counter()
        data = render_version(version)
        documents.append(_store(version_id, 0, None, data, time.perf_counter() - started))
        added += 1
    done = {d.signature_id for d in documents if d.signature_id is not None}
    signatures = db.session.scalars(
        sa.select(PlanSignature).where(PlanSignature.version_id == version_id).order_by(PlanSignature.id)
    ).all()
    for signature in signatures:
        if signature.id in done:
            continue
        started = time.perf_counter()
        data = sign_document(documents[-1].data, version, signature)
        documents.append(_store(version_id, len(documents), signature.id, data, time.perf_counter() - started))
        added += 1
    return added


def sign_document(pdf: bytes, version: PlanVersion, signature: PlanSignature) -> bytes:
    identity = identities.identity_of(signature.signing_key)
    method = "password and authenticator code" if signature.auth_method == "password+totp" else "password"
    return pades.sign_pdf(
        pdf,
        identity,
        field_name=signature_field_name(signature.party_id),
        reason=f"Signs plan {version.label}, SHA-256 {version.content_hash[:16]}…",
        location=f"Jointly, {method}",
        signer_name=signature.typed_name,
        signing_time=signature.signed_at,
        details=f"Authenticated by {method}" + (f" from {signature.ip}" if signature.ip else ""),
    )


def _store(version_id: int, number: int, signature_id: int | None, data: bytes, seconds: float) -> PlanDocument:
    document = PlanDocument(
        version_id=version_id, number=number, signature_id=signature_id, data=data, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), render_seconds=round(seconds, 3),
    )
    db.session.add(document)
    db.session.flush()
    return document


def build_now(version_id: int) -> None:
    """update_documents in its own transaction (a background thread's whole job)."""
    try:
        update_documents(version_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("the PDF of plan version %s could not be built", version_id)
        raise


def build_soon(version_id: int) -> None:
    """After the request's commit: build the version's PDFs without holding up the response."""
    app = current_app._get_current_object()
    if not app.config.get("PLAN_PDF_IN_BACKGROUND", True):
        build_now(version_id)
        return

    def run():
        with app.app_context():
            try:
                build_now(version_id)
            except Exception:  # noqa: BLE001 - logged by build_now; the next download retries
                log.info("plan version %s: PDF build will be retried on the next download", version_id)
            finally:
                db.session.remove()

    threading.Thread(target=run, name=f"plan-pdf-{version_id}", daemon=True).start()
