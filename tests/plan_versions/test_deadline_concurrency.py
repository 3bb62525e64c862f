"""Two `send-reminders` runs at once on PostgreSQL, each with its own connection, both finding the
same overdue signature: every signatory is reminded, emailed and audited exactly once."""

import contextlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.delivery import send_due
from app.notifications.models import Notification
from app.plan_versions import deadlines, services
from app.types import utcnow
from tests.support.factories import join, make_colleague
from tests.support.mail import SMTPServer


def _wait(barrier):
    with contextlib.suppress(threading.BrokenBarrierError):  # a run with nothing left to insert goes on
        barrier.wait()


@pytest.mark.postgres_only
def test_two_concurrent_runs_remind_each_signatory_once(make_app, versions):
    a, b = versions.people.a, versions.people.b
    for name in ("Bea Signer", "Ben Signer"):
        join(versions.partnership, make_colleague(b.admin.organisation, name=name), "editor", is_signatory=True)
    db.session.commit()
    version = services.issue_version(versions.member(a.admin), step="major", summary="Agreed.",
                                     sign_by=utcnow().date() + timedelta(days=5))
    db.session.commit()
    versions.sign(version, a.admin)
    moment = deadlines.deadline_end(version) + timedelta(hours=1)
    signatories = {u.email for u in deadlines.party_signatories(versions.partnership.id, b.party.id)}
    assert len(signatories) == 3

    with SMTPServer() as smtp:
        mailer = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        # Both runs have read what is due and reach their first reminder insert together, so one
        # must wait for the other's unique key.
        barrier, seen = threading.Barrier(2, timeout=10), threading.local()

        def hold_at_first_insert(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO notification ") and not getattr(seen, "held", False):
                seen.held = True
                _wait(barrier)

        with mailer.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", hold_at_first_insert)
        reports, errors = [], []

        def run():
            try:
                with mailer.app_context():
                    reports.append(send_due(moment))
                    db.session.remove()
            except Exception as error:  # surfaced below
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        sa.event.remove(engine, "before_cursor_execute", hold_at_first_insert)
        assert not errors, errors
        assert not barrier.broken, "the runs never met at an insert"
        assert all(not report.failures for report in reports)
        assert sum(report.reminders for report in reports) == 3

        with mailer.app_context():
            assert send_due(moment + timedelta(hours=1)).reminders == 0  # and nothing later either
            reminded = Counter(db.session.scalars(sa.select(Notification.recipient_id).where(
                Notification.kind == "signature_reminder")))
            audited = Counter(db.session.scalars(sa.select(AuditEvent.details["user_id"].as_integer()).where(
                AuditEvent.action == "plan.signature_reminded")))
            db.session.remove()
        assert sorted(reminded.values()) == [1, 1, 1]
        assert audited == reminded
        received = Counter(m["To"] for m in smtp.messages if m["Subject"].startswith("Overdue since"))
        assert received == Counter(signatories)
