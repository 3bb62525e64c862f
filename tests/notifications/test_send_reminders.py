"""`ermp send-reminders`: reminders from registered sources and daily digests, each sent once."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.notifications import services
from app.notifications.delivery import Reminder, digest_moment, send_due
from app.notifications.models import Notification, NotificationDigest
from app.types import utcnow
from tests.support.mail import file_outbox, text_of
from tests.support.notifications import next_morning


def _overdue_source(two_parties, calls=None):
    p = two_parties.partnership

    def overdue_actions(now):
        if calls is not None:
            calls.append(now)
        for user in (two_parties.a.editor, two_parties.b.editor):
            yield Reminder(
                recipient=user,
                kind="action_overdue",
                partnership=p,
                title=f"Your action “Agree the KPI baseline” is overdue, {user.full_name}",
                link=f"/partnerships/{p.id}",
                dedupe_key="action_overdue:7:2026-11-01",
            )

    return overdue_actions


def test_reminders_from_a_source_are_delivered_once(app, two_parties, reminder_source):
    calls = []
    reminder_source(_overdue_source(two_parties, calls))
    first = send_due()
    assert first.reminders == 2 and len(calls) == 1
    assert sorted(m["To"] for m in file_outbox(app)) == sorted([two_parties.a.editor.email, two_parties.b.editor.email])
    for _ in range(3):
        assert send_due().reminders == 0
    assert len(file_outbox(app)) == 2
    assert services.unread_count(two_parties.a.editor) == 1


def test_reminders_follow_each_persons_choice(app, two_parties, reminder_source):
    services.set_preferences(two_parties.a.editor, {"action_overdue": "in_app"})
    db.session.commit()
    reminder_source(_overdue_source(two_parties))
    send_due()
    assert [m["To"] for m in file_outbox(app)] == [two_parties.b.editor.email]
    assert services.unread_count(two_parties.a.editor) == 1


def test_a_failing_source_does_not_stop_the_others(app, two_parties, reminder_source, runner):
    def broken(now):
        raise RuntimeError("the review cycle is not reachable")

    reminder_source(broken)
    reminder_source(_overdue_source(two_parties))
    result = runner.invoke(args=["ermp", "send-reminders"])
    assert result.exit_code == 1 and "broken" in result.output
    assert "2 reminders" in result.output
    assert len(file_outbox(app)) == 2


def test_the_command_reports_what_it_sent(app, two_parties, reminder_source, runner):
    reminder_source(_overdue_source(two_parties))
    result = runner.invoke(args=["ermp", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "send-reminders: 2 reminders, 0 plan-change emails, 0 daily digests sent." in result.output
    assert "0 reminders" in runner.invoke(args=["ermp", "send-reminders"]).output


def _digest_items(two_parties, user, count=2, kind="review_stage_changed"):
    services.set_preferences(user, {kind: "daily_digest"})
    for n in range(count):
        services.notify([user], kind, partnership=two_parties.partnership, title=f"Stage news {n}",
                        link=f"/partnerships/{two_parties.partnership.id}")
    db.session.commit()


def test_a_digest_goes_out_once_per_local_day(app, two_parties):
    user = two_parties.b.admin
    _digest_items(two_parties, user)
    morning = next_morning(app)
    # Created just before tomorrow's digest hour, whatever time the test runs.
    db.session.execute(sa.update(Notification).values(created_at=morning - timedelta(minutes=40)))
    db.session.commit()
    assert send_due(morning - timedelta(hours=1)).digests == 0  # before the digest hour: yesterday's was empty
    assert send_due(morning).digests == 1
    [digest] = file_outbox(app)
    assert "2 updates" in digest["Subject"] and "Stage news 0" in text_of(digest) and "Stage news 1" in text_of(digest)

    # News later that day waits for the next morning, even if the command runs all day.
    services.notify([user], "review_stage_changed", partnership=two_parties.partnership, title="Afternoon news")
    db.session.commit()
    for hours in (1, 5, 12):
        assert send_due(morning + timedelta(hours=hours)).digests == 0
    assert len(file_outbox(app)) == 1
    db.session.execute(sa.update(Notification).where(Notification.title == "Afternoon news")
                       .values(created_at=morning + timedelta(hours=4)))
    db.session.commit()
    assert send_due(morning + timedelta(days=1)).digests == 1
    assert "Afternoon news" in text_of(file_outbox(app)[1])
    assert "Stage news 0" not in text_of(file_outbox(app)[1])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationDigest)) == 2


def test_digests_follow_each_persons_time_zone(app, two_parties):
    tokyo, chicago = two_parties.a.admin, two_parties.b.admin
    tokyo.time_zone, chicago.time_zone = "Asia/Tokyo", "America/Chicago"
    db.session.commit()
    _digest_items(two_parties, tokyo, 1)
    _digest_items(two_parties, chicago, 1)
    db.session.execute(sa.update(Notification).values(created_at=datetime(2026, 3, 1, 12, tzinfo=UTC)))
    db.session.commit()
    # 23:30 UTC on 2 March: 08:30 on 3 March in Tokyo, 17:30 on 2 March in Chicago.
    at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert digest_moment(tokyo, at) == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert digest_moment(chicago, at) == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    send_due(at)
    send_due(at + timedelta(minutes=10))
    sent = [m["To"] for m in file_outbox(app)]
    assert sorted(sent) == sorted([tokyo.email, chicago.email])
    dates = dict(db.session.execute(sa.select(NotificationDigest.user_id, NotificationDigest.local_date)).all())
    assert dates[tokyo.id].isoformat() == "2026-03-03" and dates[chicago.id].isoformat() == "2026-03-02"


def test_read_notifications_are_left_out_of_the_digest(app, two_parties):
    user = two_parties.b.admin
    _digest_items(two_parties, user, 1)
    services.mark_all_read(user)
    db.session.commit()
    assert send_due(next_morning(app)).digests == 0
    assert file_outbox(app) == []


def test_nothing_due_sends_nothing(app, two_parties):
    report = send_due(utcnow())
    assert (report.reminders, report.change_emails, report.digests) == (0, 0, 0)
    assert file_outbox(app) == []
