"""Reading an attachment's text for the search index: a job after the upload's commit, and a
periodic sweep for uploads whose job was lost (a stopped worker)."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import jobs
from app.attachments.extraction import extract_text
from app.attachments.models import Attachment, AttachmentVersion
from app.attachments.services import TEXT_JOB, open_version
from app.extensions import db
from app.jobs.models import JobProblem
from app.types import utcnow

NOTE_MAX = 200


def read_text(version_id: int) -> None:
    """Read a version's text once; the search index takes it in the same commit."""
    version = db.session.get(AttachmentVersion, version_id)
    if version is None or version.text_state != "pending":
        return
    with open_version(version) as stream:
        data = stream.read()
    extracted = extract_text(data, version.type_key)
    locked = db.session.scalar(sa.select(AttachmentVersion).where(AttachmentVersion.id == version_id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked.text_state != "pending":  # another run got there first
        db.session.rollback()
        return
    locked.text = extracted.text
    locked.text_state = "done" if extracted.text else ("failed" if extracted.note else "none")
    locked.text_note = extracted.note[:NOTE_MAX] or None
    db.session.commit()


def sweep() -> None:
    """Queue again the versions left pending past the grace period (not those the queue gave up on)."""
    grace = timedelta(seconds=current_app.config["JOB_SWEEP_GRACE_SECONDS"])
    gave_up = sa.select(JobProblem.key).where(JobProblem.job == TEXT_JOB, JobProblem.gave_up.is_(True))
    lost = db.session.scalars(sa.select(AttachmentVersion.id).where(
        AttachmentVersion.text_state == "pending", AttachmentVersion.uploaded_at <= utcnow() - grace,
        (sa.literal("version:") + sa.cast(AttachmentVersion.id, sa.String)).not_in(gave_up),
    ).order_by(AttachmentVersion.id).limit(500)).all()
    db.session.rollback()
    for version_id in lost:
        jobs.enqueue(TEXT_JOB, version_id)


def _subject(version_id: int) -> jobs.JobSubject:
    partnership_id = db.session.scalar(
        sa.select(Attachment.partnership_id).join(AttachmentVersion, AttachmentVersion.attachment_id == Attachment.id)
        .where(AttachmentVersion.id == version_id))
    return jobs.JobSubject(f"version:{version_id}", partnership_id)


def add_jobs(app) -> None:
    jobs.JOBS.add(app, jobs.JobSpec(TEXT_JOB, read_text, retries=3, retry_delay=15, timeout=300, subject=_subject))
    jobs.PERIODIC.add(app, jobs.PeriodicSpec("attachment_text_sweep", sweep, minutes=5))
