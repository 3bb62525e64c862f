"""The stored PDFs of plan versions: rendered once, then signed once per party signature.

Each step is a new, immutable PlanDocument row holding the whole file (an incremental update
of the previous one), so the newest row is always the file to serve, byte for byte. Rendering
takes seconds, so it runs on a worker (the `plan_pdf` job, app/jobs): views queue it when a
version is issued or signed, and a periodic sweep queues it again for every version whose
PDFs are not up to date (a worker killed mid-render, a deploy). Each step renders or signs
outside any database transaction, under an exclusive lock per version (so two workers never
render or sign the same version at once), and stores its result under the table's unique
(version, number) and (signature) constraints.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.extensions import db
from app.jobs import locks
from app.partnerships.models import Partnership
from app.plan_versions import identities, services
from app.plan_versions.document import document_html, signature_field_name
from app.plan_versions.models import PlanDocument, PlanSignature, PlanVersion
from app.signing import pades
from app.signing.rendering.pdf import render_pdf

log = logging.getLogger("jointly.plan_versions")
# WeasyPrint reports every layout step at INFO: a 150-page plan would write hundreds of lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
JOB = "plan_pdf"


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
        "author": ", ".join(party.name for party in (
            services.parties_of_version(version) if version is not None else services.parties_of(partnership.id)
        )),
        "subject": f"Enterprise Relationship Management Plan, {label}",
        "keywords": ["ERMP", "relationship management plan", label, partnership.name],
        "lang": "en-GB",
    }


def render_version(version: PlanVersion) -> bytes:
    partnership = db.session.get(Partnership, version.partnership_id)
    return pades.render_for_signing(
        document_html(partnership, version), content_hash=version.content_hash, **pdf_metadata(partnership, version)
    )


def render_draft(partnership: Partnership) -> bytes:
    """The working plan as a PDF, watermarked DRAFT on every page (no signature fields)."""
    return render_pdf(
        document_html(partnership, None, draft=True), draft=True,
        **pdf_metadata(partnership, None),
    )


@dataclass
class _Step:
    """The next document of a version to make: everything it needs, read beforehand, so the
    work itself runs with no transaction open."""

    number: int
    signature_id: int | None
    make: Callable[[], bytes]


def _next_step(version_id: int) -> _Step | None:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        return None
    documents = documents_of(version_id)
    if not documents:
        partnership = db.session.get(Partnership, version.partnership_id)
        html = document_html(partnership, version)
        options = {"content_hash": version.content_hash, **pdf_metadata(partnership, version)}
        return _Step(0, None, lambda: pades.render_for_signing(html, **options))
    done = {d.signature_id for d in documents if d.signature_id is not None}
    signature = db.session.scalar(
        sa.select(PlanSignature)
        .where(PlanSignature.version_id == version_id, PlanSignature.id.not_in(done) if done else sa.true())
        .order_by(PlanSignature.id)
        .limit(1)
    )
    if signature is None:
        return None
    previous = documents[-1].data
    identity = identities.identity_of(signature.signing_key)
    options = _signing_options(version, signature)
    return _Step(len(documents), signature.id, lambda: pades.sign_pdf(previous, identity, **options))


def update_documents(version_id: int) -> int:
    """Render and sign what is missing for the version, in the caller's transaction (the demo
    builds its versions this way before its single commit); returns how many were added."""
    added = 0
    while (step := _next_step(version_id)) is not None:
        started = time.perf_counter()
        data = step.make()
        _store(version_id, step.number, step.signature_id, data, time.perf_counter() - started)
        added += 1
    return added


def build_version_documents(version_id: int) -> int:
    """The `plan_pdf` job: each missing document made outside any transaction, stored in its own.

    Returns how many documents this call added (0 when another worker holds the version, or
    nothing is missing). Safe to run any number of times, anywhere, at once.
    """
    with locks.exclusive(f"plan-pdf:{version_id}") as held:
        if not held:
            return 0
        added = 0
        while True:
            step = _next_step(version_id)
            db.session.commit()  # ends the read: nothing is held while rendering or signing
            if step is None:
                return added
            started = time.perf_counter()
            data = step.make()
            seconds = time.perf_counter() - started
            try:
                _store(version_id, step.number, step.signature_id, data, seconds)
                db.session.commit()
            except IntegrityError:  # made meanwhile by a worker that did not see our lock
                db.session.rollback()
                return added
            log.info("plan version %s: stored PDF document %d (%s) in %.1f s", version_id, step.number,
                     "rendered" if step.signature_id is None else f"signature {step.signature_id}", seconds)
            added += 1


def _signing_options(version: PlanVersion, signature: PlanSignature) -> dict:
    method = "password and authenticator code" if signature.auth_method == "password+totp" else "password"
    return {
        "field_name": signature_field_name(signature.party_id),
        "reason": f"Signs plan {version.label}, SHA-256 {version.content_hash[:16]}…",
        "location": f"Jointly, {method}",
        "signer_name": signature.typed_name,
        "signing_time": signature.signed_at,
        "details": f"Authenticated by {method}" + (f" from {signature.ip}" if signature.ip else ""),
    }


def sign_document(pdf: bytes, version: PlanVersion, signature: PlanSignature) -> bytes:
    identity = identities.identity_of(signature.signing_key)
    return pades.sign_pdf(pdf, identity, **_signing_options(version, signature))


def _store(version_id: int, number: int, signature_id: int | None, data: bytes, seconds: float) -> PlanDocument:
    document = PlanDocument(
        version_id=version_id, number=number, signature_id=signature_id, data=data, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), render_seconds=round(seconds, 3),
    )
    db.session.add(document)
    db.session.flush()
    return document


def build_soon(version_id: int) -> None:
    """Queue the version's PDFs for a worker once the current transaction commits."""
    jobs.enqueue_on_commit(JOB, version_id)


def build_now(version_id: int) -> None:
    """Make the version's PDFs in this process (the CLI's export, and tests)."""
    build_version_documents(version_id)


def unfinished_versions(older_than: timedelta = timedelta(0)) -> list[int]:
    """Versions whose newest PDF lacks a document or a signature, except those whose job gave up
    (they wait for an admin's "try again")."""
    from app.jobs.models import JobProblem
    from app.types import utcnow

    documents = (
        sa.select(sa.func.count()).select_from(PlanDocument).where(PlanDocument.version_id == PlanVersion.id)
        .scalar_subquery()
    )
    signatures = (
        sa.select(sa.func.count()).select_from(PlanSignature).where(PlanSignature.version_id == PlanVersion.id)
        .scalar_subquery()
    )
    latest_signature = (
        sa.select(sa.func.max(PlanSignature.signed_at)).where(PlanSignature.version_id == PlanVersion.id)
        .scalar_subquery()
    )
    cutoff = utcnow() - older_than
    gave_up = sa.select(JobProblem.key).where(JobProblem.job == JOB, JobProblem.gave_up.is_(True))
    return list(db.session.scalars(
        sa.select(PlanVersion.id)
        .where(
            documents < 1 + signatures,
            PlanVersion.issued_at <= cutoff,
            sa.or_(latest_signature.is_(None), latest_signature <= cutoff),
            (sa.literal("version:") + sa.cast(PlanVersion.id, sa.String)).not_in(gave_up),
        )
        .order_by(PlanVersion.id)
    ))


def requeue_unfinished() -> int:
    """The periodic sweep: queue the PDFs of every version left unfinished (killed worker, restart)."""
    from flask import current_app

    versions = unfinished_versions(older_than=timedelta(seconds=current_app.config["JOB_SWEEP_GRACE_SECONDS"]))
    for version_id in versions:
        jobs.enqueue(JOB, version_id)
    if versions:
        log.info("queued the PDFs of %d unfinished plan version(s) again", len(versions))
    return len(versions)


def job_subject(version_id: int) -> jobs.JobSubject:
    partnership_id = db.session.scalar(sa.select(PlanVersion.partnership_id).where(PlanVersion.id == version_id))
    return jobs.JobSubject(f"version:{version_id}", partnership_id)


def add_jobs(app) -> None:
    jobs.JOBS.add(app, jobs.JobSpec(JOB, build_version_documents, retries=5, retry_delay=15, timeout=900,
                                    subject=job_subject))
    jobs.PERIODIC.add(app, jobs.PeriodicSpec("plan_pdf_sweep", requeue_unfinished, minutes=1))
