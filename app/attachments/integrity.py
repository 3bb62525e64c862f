"""After a restore: every uploaded version's file is in the object store, under the key its
recorded SHA-256 names (app/backup.py runs the checks features register). The stored bytes
themselves were just hashed by the restore's own object check, against the backup and against
the SHA-256 each key names, so they are not read a second time here."""

import sqlalchemy as sa

from app.attachments.models import AttachmentVersion
from app.extensions import db
from app.storage import content_key, object_store


def stored_files_verify(report) -> None:
    """An integrity check for app.backup (appends to report.problems / report.checked)."""
    store = object_store()
    rows = db.session.execute(
        sa.select(AttachmentVersion.storage_key, AttachmentVersion.sha256).distinct()
        .order_by(AttachmentVersion.storage_key)
    ).all()
    problems = len(report.problems)
    for key, recorded in rows:
        if key != content_key(recorded):
            report.problems.append(f"attachment file {key}: its key does not name its recorded SHA-256 {recorded}")
        elif not store.exists(key):
            report.problems.append(f"attachment file {key} is missing from {store.describe()}")
    if len(report.problems) == problems:
        report.checked.append(f"{len(rows)} attachment files present, each under the key its SHA-256 names")
