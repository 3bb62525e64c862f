"""Two `send-reminders` runs at once against PostgreSQL, each with its own connection,
delivering to a real SMTP server: every email arrives exactly once."""

import contextlib
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db
from app.notifications import services
from app.notifications.delivery import REMINDER_SOURCES, Reminder, send_due
from app.notifications.models import Notification
from app.partnerships.models import Partnership
from app.types import utcnow
from tests.support.mail import SMTPServer


def _prepare(two_parties):
    """Something of each kind waiting: plan changes past their quiet period, digests, reminders."""
    p, a, b = two_parties.partnership, two_parties.a, two_parties.b
    for user in (b.admin, b.editor, b.viewer):
        services.set_preferences(user, {"review_stage_changed": "daily_digest"})
    for section in ("business_case", "risks"):
        for editor in (a.admin, a.editor):
            services.notify(
                [b.admin, b.editor, b.viewer], "section_changed_by_other_party", partnership=p,
                title=f"Alpha Ltd changed {section}", link=f"/partnerships/{p.id}", actor=editor, topic=section,
            )
    services.notify([b.admin, b.editor, b.viewer], "review_stage_changed", partnership=p, title="Review stage: Adapt")
    db.session.commit()
    long_ago = utcnow() - timedelta(days=2)
    db.session.execute(sa.update(Notification).values(created_at=long_ago, updated_at=long_ago))
    db.session.commit()


def _overdue(two_parties, barrier):
    # Ids only: each run loads its own objects through its own session and connection.
    partnership_id = two_parties.partnership.id
    user_ids = [u.id for u in (two_parties.a.admin, two_parties.a.editor, two_parties.a.viewer)]

    def source(now):
        partnership = db.session.get(Partnership, partnership_id)
        reminders = [
            Reminder(recipient=db.session.get(User, user_id), kind="action_overdue", partnership=partnership,
                     title="An action you own is overdue", dedupe_key="action_overdue:1:2026-11-01")
            for user_id in user_ids
        ]
        _wait(barrier)  # both runs have read what is due before either delivers
        return reminders

    return source


def _wait(barrier):
    with contextlib.suppress(threading.BrokenBarrierError):  # a run that finds nothing to claim goes on
        barrier.wait()


@pytest.mark.postgres_only
def test_two_concurrent_runs_send_every_email_exactly_once(make_app, app, two_parties):
    _prepare(two_parties)
    b, a = two_parties.b, two_parties.a
    expected = Counter(
        [(u.email, "changes") for u in (b.admin, b.editor, b.viewer)]
        + [(u.email, "digest") for u in (b.admin, b.editor, b.viewer)]
        + [(u.email, "reminder") for u in (a.admin, a.editor, a.viewer)]
    )
    start = threading.Barrier(2, timeout=10)
    with SMTPServer() as smtp:
        mailer = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        REMINDER_SOURCES.add(mailer, _overdue(two_parties, start))  # the runs below are the mailer app's
        # Make both runs reach their first claim of each kind at the same moment, so
        # one must wait for the other's row locks or unique key.
        claims = {
            "plan changes": (lambda s: s.startswith("UPDATE notification SET emailed_at") and "RETURNING" in s,
                             threading.Barrier(2, timeout=10)),
            "digest": (lambda s: s.startswith("INSERT INTO notification_digest"), threading.Barrier(2, timeout=10)),
        }
        seen = threading.local()

        def hold_at_claims(conn, cursor, statement, parameters, context, executemany):
            for name, (matches, barrier) in claims.items():
                if matches(statement) and name not in getattr(seen, "claims", set()):
                    seen.claims = getattr(seen, "claims", set()) | {name}
                    _wait(barrier)

        with mailer.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", hold_at_claims)
        reports, errors = [], []

        def run():
            try:
                with mailer.app_context():
                    reports.append(send_due(utcnow() + timedelta(hours=1)))
                    db.session.remove()
            except Exception as error:  # surfaced below
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        sa.event.remove(engine, "before_cursor_execute", hold_at_claims)
        start.abort()  # later runs no longer wait for a partner
        assert not errors, errors
        assert all(not barrier.broken for _, barrier in claims.values()), "the runs never met at a claim"
        assert all(not report.failures for report in reports)

        received = Counter((m["To"], _kind(m["Subject"])) for m in smtp.messages)
        assert received == expected
        assert sum(r.reminders for r in reports) == 3
        assert sum(r.change_emails for r in reports) == 3
        assert sum(r.digests for r in reports) == 3

        # And a third and fourth run find nothing left to send.
        with mailer.app_context():
            assert send_due(utcnow() + timedelta(hours=2)).summary().startswith("0 reminders, 0 plan-change emails, 0")
        assert len(smtp.messages) == 9


def _kind(subject: str) -> str:
    if subject.startswith("Plan changes"):
        return "changes"
    if "digest" in subject:
        return "digest"
    return "reminder"
