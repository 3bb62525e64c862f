"""After a restore: every uploaded version's file is in the object store with the bytes its
SHA-256 names (app/backup.py runs the checks features register)."""

import hashlib

import sqlalchemy as sa

from app.attachments.models import AttachmentVersion
from app.extensions import db
from app.storage import object_store


def stored_files_verify(report) -> None:
    """An integrity check for app.backup (appends to report.problems / report.checked)."""
    store = object_store()
    rows = db.session.execute(
        sa.select(AttachmentVersion.storage_key, AttachmentVersion.sha256).distinct()
        .order_by(AttachmentVersion.storage_key)
    ).all()
    for key, recorded in rows:
        try:
            with store.open(key) as stream:
                digest = hashlib.sha256()
                while chunk := stream.read(1024 * 1024):
                    digest.update(chunk)
        except FileNotFoundError:
            report.problems.append(f"attachment file {key} is missing from {store.describe()}")
            continue
        if digest.hexdigest() != recorded:
            report.problems.append(f"attachment file {key}: its bytes differ from their recorded SHA-256")
    report.checked.append(f"{len(rows)} attachment files present, each matching its SHA-256")
