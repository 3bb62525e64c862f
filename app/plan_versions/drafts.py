"""DRAFT PDFs of the working plan, rendered by a worker and cached per content.

Any member may ask for the DRAFT PDF, so it must not cost the server more than once per
version of the plan, nor let a few people exhaust it:

- The cache key is the SHA-256 of what the document shows (the current revision of every
  section, the partnership's profile and parties, the members' names). Asking again for an
  unchanged plan serves the stored file; asking while it renders joins the same job (one
  row per partnership and hash, inserted with ON CONFLICT DO NOTHING, so ten people asking
  at once start one render).
- New renders are limited per person and per partnership (`DRAFT_PDF_LIMITS`), and a
  partnership has at most `DRAFT_PDF_MAX_PENDING` drafts waiting at once; beyond that the
  person is told when to try again.
- The document's HTML is built in the request (a page's worth of work) and kept with the
  row, so the worker renders exactly what was asked for even if the plan changes meanwhile.
- A periodic sweep queues again drafts a stopped worker left pending, and removes old ones
  (`DRAFT_PDF_KEEP_HOURS`), keeping each partnership's newest.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import jobs
from app.accounts.models import User
from app.database import insert_once
from app.extensions import db
from app.jobs import locks
from app.jobs.models import JobProblem
from app.partnerships.models import Membership, Partnership
from app.plan_versions import services
from app.plan_versions.document import document_html
from app.plan_versions.models import DraftPdf
from app.rules import RuleViolation
from app.signing.rendering.pdf import render_pdf
from app.types import utcnow

log = logging.getLogger("jointly.plan_versions")
JOB = "draft_pdf"
DRAFT_FORMAT = "jointly-plan-draft/1"  # change it when the document's layout changes


class DraftLimit(RuleViolation):  # noqa: N818 - a business rule, like RuleViolation
    """Too many new DRAFT PDFs asked for; the message says when to try again."""


def draft_key(partnership: Partnership) -> str:
    """The hash of everything the DRAFT document shows (a few small queries)."""
    revisions = services.current_revisions(partnership.id)
    members = db.session.execute(
        sa.select(User.id, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership.id)
        .order_by(User.id)
    ).all()
    return services.sha256_hex(services.canonical_json({
        "format": DRAFT_FORMAT,
        "partnership": services.partnership_profile(partnership),
        "revisions": {key: revision.id for key, revision in revisions.items()},
        "members": [[user_id, name] for user_id, name in members],
        "evidence": [[row["attachment_id"], row["version"]] for row in services.plan_evidence(partnership.id)],
    }))


def current_draft(partnership: Partnership) -> DraftPdf | None:
    """The cached draft of the plan as it is now, if someone asked for it."""
    return db.session.scalar(sa.select(DraftPdf).where(
        DraftPdf.partnership_id == partnership.id, DraftPdf.content_hash == draft_key(partnership)
    ))


@dataclass(frozen=True)
class Limits:
    per_user: int
    per_partnership: int
    window: timedelta


def _limits() -> Limits:
    config = current_app.config
    return Limits(config["DRAFT_PDF_PER_USER_PER_HOUR"], config["DRAFT_PDF_PER_PARTNERSHIP_PER_HOUR"],
                  timedelta(hours=1))


def _count(*conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DraftPdf).where(*conditions))


def request_draft(membership: Membership) -> DraftPdf:
    """The draft of the plan as it is now: the cached one, or a new one queued for a worker.

    Raises DraftLimit when this would start a render beyond the limits. The caller commits.
    """
    partnership = membership.partnership
    key = draft_key(partnership)
    existing = db.session.scalar(sa.select(DraftPdf).where(DraftPdf.partnership_id == partnership.id,
                                                           DraftPdf.content_hash == key))
    if existing is not None:
        return existing
    limits, since = _limits(), utcnow() - timedelta(hours=1)
    pending = _count(DraftPdf.partnership_id == partnership.id, DraftPdf.status == "pending")
    if pending >= current_app.config["DRAFT_PDF_MAX_PENDING"]:
        raise DraftLimit(f"{pending} DRAFT PDFs of this plan are being prepared already. Try again in a minute, "
                         "when they are ready.")
    if _count(DraftPdf.requested_by_id == membership.user_id, DraftPdf.requested_at >= since) >= limits.per_user:
        raise DraftLimit(f"You asked for {limits.per_user} new DRAFT PDFs in the last hour, the most one person "
                         "may. The ones you asked for are still available; try again later for a new one.")
    if _count(DraftPdf.partnership_id == partnership.id, DraftPdf.requested_at >= since) >= limits.per_partnership:
        raise DraftLimit(f"This partnership asked for {limits.per_partnership} new DRAFT PDFs in the last hour, the "
                         "most it may. Try again later, or download a signed version's PDF.")
    draft_id = insert_once(
        DraftPdf,
        {"partnership_id": partnership.id, "content_hash": key, "status": "pending",
         "html": document_html(partnership, None, draft=True), "requested_by_id": membership.user_id,
         "requested_at": utcnow()},
        ["partnership_id", "content_hash"],
    )
    if draft_id is not None:
        jobs.enqueue_on_commit(JOB, draft_id)
    return db.session.scalar(sa.select(DraftPdf).where(DraftPdf.partnership_id == partnership.id,
                                                       DraftPdf.content_hash == key))


def queue_position(draft: DraftPdf) -> int:
    """Drafts of any partnership asked for earlier and not started yet."""
    return _count(DraftPdf.status == "pending", DraftPdf.started_at.is_(None), DraftPdf.id < draft.id)


def build_draft(draft_id: int) -> bool:
    """The `draft_pdf` job: render a pending draft from its stored HTML; True when this call did."""
    with locks.exclusive(f"draft-pdf:{draft_id}") as held:
        draft = db.session.get(DraftPdf, draft_id)
        if not held or draft is None or draft.status == "ready":
            return False
        partnership = db.session.get(Partnership, draft.partnership_id)
        from app.plan_versions.pdfs import pdf_metadata

        html, metadata = draft.html, pdf_metadata(partnership, None)
        draft.started_at = utcnow()
        db.session.commit()  # shows "rendering"; nothing is held while rendering
        started = time.perf_counter()
        data = render_pdf(html, draft=True, **metadata)
        seconds = round(time.perf_counter() - started, 3)
        done = db.session.execute(
            sa.update(DraftPdf)
            .where(DraftPdf.id == draft_id, DraftPdf.status == "pending")
            .values(status="ready", data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                    html=None, ready_at=utcnow(), render_seconds=seconds)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if done:
            log.info("DRAFT PDF %s of partnership %s: rendered in %.1f s", draft_id, partnership.id, seconds)
        return bool(done)


def sweep() -> None:
    """Queue again drafts a stopped worker left pending; remove old drafts, keeping each
    partnership's newest ready one."""
    config = current_app.config
    now = utcnow()
    gave_up = sa.select(JobProblem.key).where(JobProblem.job == JOB, JobProblem.gave_up.is_(True))
    lost = db.session.scalars(sa.select(DraftPdf.id).where(
        DraftPdf.status == "pending",
        DraftPdf.requested_at <= now - timedelta(seconds=config["JOB_SWEEP_GRACE_SECONDS"]),
        (sa.literal("draft:") + sa.cast(DraftPdf.id, sa.String)).not_in(gave_up),
    )).all()
    newest = sa.select(sa.func.max(DraftPdf.id)).where(DraftPdf.status == "ready").group_by(DraftPdf.partnership_id)
    removed = db.session.execute(
        sa.delete(DraftPdf).where(
            DraftPdf.requested_at < now - timedelta(hours=config["DRAFT_PDF_KEEP_HOURS"]),
            DraftPdf.status == "ready",
            DraftPdf.id.not_in(newest),
        )
    ).rowcount
    db.session.commit()
    for draft_id in lost:
        jobs.enqueue(JOB, draft_id)
    if lost or removed:
        log.info("DRAFT PDFs: %d queued again, %d old ones removed", len(lost), removed)


def _subject(draft_id: int) -> jobs.JobSubject:
    partnership_id = db.session.scalar(sa.select(DraftPdf.partnership_id).where(DraftPdf.id == draft_id))
    return jobs.JobSubject(f"draft:{draft_id}", partnership_id)


def add_jobs(app) -> None:
    # Before the versions' PDFs: someone is watching the "being prepared" page for it.
    jobs.JOBS.add(app, jobs.JobSpec(JOB, build_draft, retries=3, retry_delay=10, timeout=900, subject=_subject,
                                    priority=10))
    jobs.PERIODIC.add(app, jobs.PeriodicSpec("draft_pdf_sweep", sweep, minutes=1))
