"""Two people upload a file of the same name to the same place at the same moment, on PostgreSQL,
each in its own request: nothing is lost, the name stays one attachment with versions 1 and 2."""

import contextlib
import io
import threading

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.attachments import places, services
from app.attachments.models import Attachment, AttachmentVersion
from app.extensions import db
from app.partnerships.access import load_membership


@pytest.mark.postgres_only
def test_two_uploads_of_one_name_at_once_become_two_versions_of_one_attachment(app, plan):
    people, partnership_id = plan.people, plan.partnership.id
    user_ids = (people.a.editor.id, people.b.editor.id)
    # Both requests have checked the place and stored their file, and reach the attachment's
    # insert together: one must wait for the other's live-name key, then add the next version.
    barrier, seen, reached = threading.Barrier(2, timeout=10), threading.local(), []

    def hold_at_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO attachment ") and not getattr(seen, "held", False):
            seen.held = True
            reached.append(statement)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", hold_at_insert)
    errors = []

    def upload(user_id: int, data: bytes):
        try:
            with app.app_context():
                from app.accounts.models import User

                membership = load_membership(partnership_id, db.session.get(User, user_id))
                services.attach(membership, places.section_target("commercial_agreement"),
                                FileStorage(io.BytesIO(data), filename="Contract.txt"))
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    try:
        threads = [threading.Thread(target=upload, args=(user_id, f"draft by {user_id}\n".encode()))
                   for user_id in user_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold_at_insert)
    assert errors == [] and len(reached) == 2  # both tried to make the attachment
    db.session.expire_all()
    attachment = db.session.scalars(sa.select(Attachment)).one()
    versions = db.session.scalars(sa.select(AttachmentVersion).order_by(AttachmentVersion.number)).all()
    assert [v.number for v in versions] == [1, 2] and {v.attachment_id for v in versions} == {attachment.id}
    assert {v.uploaded_by_id for v in versions} == set(user_ids)
