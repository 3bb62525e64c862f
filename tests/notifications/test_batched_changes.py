"""Section changes by the other party: one notification per section while unread,
one email per person once the editing has paused, never one mail per save."""

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.notifications import services
from app.notifications.delivery import send_due
from app.notifications.models import Notification
from app.types import utcnow
from tests.support.mail import file_outbox, html_of, text_of
from tests.support.notifications import after_quiet_period


def _save(two_parties, editor, section, title, note=""):
    p = two_parties.partnership
    services.notify(
        services.members_of_party(p.id, two_parties.a.party.id),
        "section_changed_by_other_party",
        partnership=p,
        title=title,
        body=note,
        link=f"/partnerships/{p.id}/plan/{section}",
        actor=editor,
        topic=section,
    )
    db.session.commit()


def _rows_of(user):
    return db.session.scalars(
        sa.select(Notification).where(Notification.recipient_id == user.id).order_by(Notification.id)
    ).all()


def test_saves_to_one_section_coalesce_into_one_unread_notification(app, two_parties):
    b = two_parties.b
    for _ in range(3):
        _save(two_parties, b.editor, "business_case", "Beta GmbH changed “Business case”")
    _save(two_parties, b.admin, "business_case", "Beta GmbH changed “Business case”", "Added the gain-share table")
    _save(two_parties, b.editor, "risks", "Beta GmbH changed “Risk assessment”")
    [business_case, risks] = _rows_of(two_parties.a.admin)
    assert business_case.topic == "business_case" and business_case.change_count == 4
    assert business_case.actors == ["Ed Editor", "Bob Admin"] and business_case.body == "Added the gain-share table"
    assert risks.change_count == 1
    assert file_outbox(app) == []  # nothing was mailed while they were saving
    assert services.unread_count(two_parties.a.admin) == 2


def test_one_email_per_person_lists_every_section_once_the_editing_pauses(app, two_parties):
    b = two_parties.b
    for _ in range(5):
        _save(two_parties, b.editor, "business_case", "Beta GmbH changed “Business case”")
    _save(two_parties, b.admin, "risks", "Beta GmbH changed “Risk assessment”")
    assert send_due(utcnow()).change_emails == 0  # still within the quiet period
    report = send_due(after_quiet_period(app))
    a = two_parties.a
    assert report.change_emails == 3  # admin, editor and viewer of Alpha
    assert sorted(m["To"] for m in file_outbox(app)) == sorted([a.admin.email, a.editor.email, a.viewer.email])
    mail = next(m for m in file_outbox(app) if m["To"] == a.admin.email)
    assert mail["Subject"] == "Plan changes in Alpha–Beta Alliance"
    for part in (text_of(mail), html_of(mail)):
        assert "Business case" in part and "Risk assessment" in part
        assert "Ed Editor" in part and "Bob Admin" in part and "5 saves" in part
        assert f"http://localhost/partnerships/{two_parties.partnership.id}/plan/risks" in part
    assert send_due(after_quiet_period(app, 30)).change_emails == 0  # never twice
    assert len(file_outbox(app)) == 3


def test_a_save_after_the_email_starts_a_new_notification(app, two_parties):
    _save(two_parties, two_parties.b.editor, "business_case", "Beta GmbH changed “Business case”")
    send_due(after_quiet_period(app))
    _save(two_parties, two_parties.b.editor, "business_case", "Beta GmbH changed “Business case”")
    first, second = _rows_of(two_parties.a.admin)
    assert first.emailed_at is not None and second.emailed_at is None and second.change_count == 1


def test_a_save_restarts_the_quiet_period(app, two_parties):
    _save(two_parties, two_parties.b.editor, "business_case", "Beta GmbH changed “Business case”")
    [row] = _rows_of(two_parties.a.admin)
    row.updated_at = row.created_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    _save(two_parties, two_parties.b.editor, "business_case", "Beta GmbH changed “Business case”")
    assert send_due(utcnow() + timedelta(minutes=2)).change_emails == 0
    assert send_due(after_quiet_period(app)).change_emails == 3


def test_nothing_is_mailed_about_changes_already_read_in_the_app(app, two_parties):
    _save(two_parties, two_parties.b.editor, "business_case", "Beta GmbH changed “Business case”")
    services.mark_all_read(two_parties.a.admin)
    db.session.commit()
    send_due(after_quiet_period(app))
    assert two_parties.a.admin.email not in [m["To"] for m in file_outbox(app)]


def test_people_who_left_the_partnership_get_no_email_about_it(app, two_parties):
    from app.partnerships import services as partnerships
    from app.partnerships.access import load_membership

    _save(two_parties, two_parties.b.editor, "business_case", "Beta GmbH changed “Business case”")
    partnerships.leave_partnership(load_membership(two_parties.partnership.id, two_parties.a.viewer))
    db.session.commit()
    send_due(after_quiet_period(app))
    assert two_parties.a.viewer.email not in [m["To"] for m in file_outbox(app)]
    assert services.unread_count(two_parties.a.viewer) == 0  # and no longer see it under the bell
