"""The mail outbox: a message exists exactly when its change commits, is delivered by a job,
retried after failures with growing delays, never sent twice, and shown to organisation
admins when it cannot be delivered. Against a real SMTP server that fails on purpose."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import mail
from app.extensions import db
from app.mail.models import OutboundMail
from app.types import utcnow
from tests.support.factories import make_organisation_user
from tests.support.mail import SMTPServer


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def smtp_app(make_app, smtp):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_RETRY_SECONDS=60, MAIL_MAX_ATTEMPTS=3)
    with app.app_context(), app.test_request_context():
        yield app
        db.session.remove()


def _queue(to="ann@alpha.example.com", subject="Hello", organisation_id=None):
    message = mail.queue_mail(to, subject, "password_reset", organisation_id=organisation_id, user=None,
                              link="http://localhost/x", minutes=60)
    return message


def _row() -> OutboundMail:
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboundMail))


def _due_now(row: OutboundMail) -> None:
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_message_is_kept_only_when_its_change_commits(smtp_app, smtp):
    _queue()
    db.session.rollback()
    assert _row() is None and smtp.attempts == 0
    message = _queue()
    db.session.commit()  # the job runs right after the commit (JOBS_IMMEDIATE)
    row = _row()
    assert (row.status, row.attempts, row.message_id) == ("sent", 1, message["Message-ID"])
    assert [m["Message-ID"] for m in smtp.messages] == [message["Message-ID"]]


def test_a_savepoint_inside_the_transaction_neither_sends_early_nor_loses_the_message(smtp_app, smtp):
    from app.audit.models import AuditEvent
    from app.audit.services import record_event

    message = _queue()
    record_event("account.signed_in", details={"before": "the savepoint"})
    with db.session.begin_nested():  # e.g. claiming a unique row, as opening a review cycle does
        db.session.flush()
    assert smtp.attempts == 0  # not sent before the transaction commits
    record_event("account.signed_in", details={"after": "the savepoint"})
    db.session.commit()
    assert [m["Message-ID"] for m in smtp.messages] == [message["Message-ID"]]
    recorded = db.session.scalars(sa.select(AuditEvent.details).where(AuditEvent.action == "account.signed_in")).all()
    assert sorted(details.get("before", details.get("after")) for details in recorded) == [
        "the savepoint", "the savepoint"]


def test_more_messages_than_a_batch_all_go_out_in_one_run(smtp_app, smtp, monkeypatch):
    monkeypatch.setattr(mail, "BATCH", 2)
    messages = [_queue(to=f"person{n}@alpha.example.com") for n in range(5)]
    db.session.commit()
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(m["Message-ID"] for m in messages)


def test_an_outage_is_retried_with_growing_delays_until_the_server_recovers(smtp_app, smtp):
    smtp.refusal = "451 4.3.0 Mailbox busy, try again later"
    _queue()
    db.session.commit()
    row = _row()
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error
    first_wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=55) < first_wait <= timedelta(seconds=60)
    assert mail.deliver_due() == 0  # not due yet: nothing is tried early

    _due_now(row)
    mail.sweep()
    row = _row()
    assert row.attempts == 2 and timedelta(seconds=115) < row.next_attempt_at - utcnow() <= timedelta(seconds=120)
    smtp.refusal = None  # the server recovers
    _due_now(row)
    mail.sweep()
    assert (_row().status, _row().attempts) == ("sent", 3)
    assert len(smtp.messages) == 1 and smtp.attempts == 3
    mail.sweep()
    assert len(smtp.messages) == 1  # never twice


def test_a_permanent_refusal_is_given_up_at_once_and_shown_to_the_recipients_admins(smtp_app, smtp):
    ann = make_organisation_user("Alpha Ltd", email="ann@alpha.example.com", name="Ann Admin")
    outsider = make_organisation_user("Gamma plc", email="gus@gamma.example.com", name="Gus")
    db.session.commit()
    smtp.refusal = "550 5.1.1 No such mailbox"
    _queue(to="Ann@Alpha.example.com", subject="Your password", organisation_id=ann.organisation_id)
    db.session.commit()
    row = _row()
    assert (row.status, row.attempts, row.organisation_id) == ("failed", 1, ann.organisation_id)

    admin = smtp_app.test_client()
    admin.sign_in(ann.email, "correct horse battery staple")
    page = admin.get("/organisation").get_data(as_text=True)
    assert "Email not delivered" in page and "Your password" in page and "550 5.1.1" in page
    other = smtp_app.test_client()
    other.sign_in(outsider.email, "correct horse battery staple")
    assert "Your password" not in other.get("/organisation").get_data(as_text=True)
    assert other.submit(f"/organisation/mail/{row.id}/send-again").status_code == 404

    smtp.refusal = None
    assert admin.submit(f"/organisation/mail/{row.id}/send-again").status_code == 302
    assert _row().status == "sent" and len(smtp.messages) == 1
    assert "Email not delivered" not in admin.get("/organisation").get_data(as_text=True)


def test_a_message_a_stopped_worker_left_half_sent_is_never_sent_again_by_itself(smtp_app, smtp):
    _queue()
    row = db.session.scalar(sa.select(OutboundMail))
    row.status, row.attempts, row.claimed_until = "sending", 1, utcnow() - timedelta(seconds=1)
    db.session.commit()  # as a worker killed between the server's reply and recording it
    mail.sweep()
    row = _row()
    assert row.status == "failed" and "may or may not have arrived" in row.last_error
    assert smtp.attempts == 0
