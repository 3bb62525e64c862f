"""The search entries of evidence attachments: one per live attachment, found by its name, its
file's name and the text read from its current version (once the job has read it).

A party's evidence for its actuals is blind like its actuals: it has an entry only once its cycle
is revealed, made from the version its latest submission included (a correction's new evidence
waits for the resubmission). A withdrawn attachment leaves the index. Entries are made with Core
statements, so the indexer can call this inside a flush.
"""

import sqlalchemy as sa

from app.attachments.models import Attachment, AttachmentVersion
from app.links import path_for
from app.review_cycle.models import Assessment, AssessmentSubmission, ReviewCycle
from app.search import documents

KIND = "attachment"
LABEL = "File"


def entries(connection, attachment_ids) -> list[documents.Entry]:
    """The entries of these attachments as they stand (none for withdrawn or still blind ones)."""
    ids = sorted(set(attachment_ids))
    if not ids:
        return []
    attachments = connection.execute(sa.select(Attachment.__table__).where(Attachment.id.in_(ids))).all()
    versions: dict[int, list] = {}
    for row in connection.execute(
        sa.select(AttachmentVersion.attachment_id, AttachmentVersion.number, AttachmentVersion.file_name,
                  AttachmentVersion.text, AttachmentVersion.uploaded_at, AttachmentVersion.party_id)
        .where(AttachmentVersion.attachment_id.in_(ids)).order_by(AttachmentVersion.number)
    ):
        versions.setdefault(row.attachment_id, []).append(row)
    shared = _shared_until(connection, [a.assessment_id for a in attachments if a.assessment_id is not None])
    found = []
    for attachment in attachments:
        candidates = versions.get(attachment.id, [])
        cycle_id = None
        if attachment.target_kind == "actual":
            cycle_id, until = shared.get(attachment.assessment_id, (None, None))
            if until is None:
                continue
            candidates = [v for v in candidates if v.uploaded_at <= until]
        if attachment.withdrawn_at is not None or not candidates:
            continue
        found.append(_entry(attachment, candidates[-1], cycle_id))
    return found


def _shared_until(connection, assessment_ids: list[int]) -> dict[int, tuple[int, object]]:
    """(cycle id, latest submission time) of each assessment whose cycle is revealed."""
    if not assessment_ids:
        return {}
    rows = connection.execute(
        sa.select(Assessment.id, Assessment.cycle_id, sa.func.max(AssessmentSubmission.submitted_at))
        .join(ReviewCycle, ReviewCycle.id == Assessment.cycle_id)
        .join(AssessmentSubmission, AssessmentSubmission.assessment_id == Assessment.id)
        .where(Assessment.id.in_(sorted(set(assessment_ids))), ReviewCycle.revealed_at.is_not(None))
        .group_by(Assessment.id, Assessment.cycle_id)
    ).all()
    return {assessment_id: (cycle_id, latest) for assessment_id, cycle_id, latest in rows}


def _entry(attachment, version, cycle_id: int | None) -> documents.Entry:
    names = attachment.name if version.file_name == attachment.name else f"{attachment.name} {version.file_name}"
    return documents.Entry(
        partnership_id=attachment.partnership_id, kind=KIND, source=str(attachment.id), label=LABEL,
        title=attachment.name, body=f"{names}\n{version.text or ''}".strip(),
        link=path_for("attachments.show", partnership_id=attachment.partnership_id, attachment_id=attachment.id),
        occurred_at=version.uploaded_at,
        section_key=attachment.section_key if attachment.target_kind in ("section", "item") else None,
        party_id=version.party_id, cycle_id=cycle_id,
    )


def of_cycles(connection, cycle_ids) -> list[int]:
    """The attachments on the actuals of these cycles' assessments."""
    ids = sorted(set(cycle_ids))
    if not ids:
        return []
    return list(connection.execute(
        sa.select(Attachment.id).join(Assessment, Assessment.id == Attachment.assessment_id)
        .where(Assessment.cycle_id.in_(ids))
    ).scalars())


def of_partnership(connection, partnership_id: int) -> list[int]:
    return list(connection.execute(
        sa.select(Attachment.id).where(Attachment.partnership_id == partnership_id)).scalars())
