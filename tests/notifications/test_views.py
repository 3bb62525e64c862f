"""The bell, the notifications page, marking read, and delivery choices on the account page."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.notifications import services
from app.notifications.models import Notification, NotificationPreference
from tests.support.queries import count_queries


def _tell(two_parties, user, n=1, link=None, **kwargs):
    for i in range(n):
        services.notify([user], "mention", partnership=two_parties.partnership, title=f"Mention number {i + 1}",
                        link=link or f"/partnerships/{two_parties.partnership.id}", actor=two_parties.a.admin, **kwargs)
    db.session.commit()


def _bell(html: str) -> str:
    match = re.search(r'<a class="bell[^"]*"[^>]*aria-label="([^"]+)"', html)
    assert match, "no bell on the page"
    return match.group(1)


def test_the_bell_shows_the_unread_count_on_every_signed_in_page(app, two_parties, client_as):
    user = two_parties.b.editor
    client = client_as(user)
    assert _bell(client.get("/home").get_data(as_text=True)) == "Notifications, none unread"
    _tell(two_parties, user, 3)
    for path in ("/home", "/account", f"/partnerships/{two_parties.partnership.id}"):
        html = client.get(path).get_data(as_text=True)
        assert _bell(html) == "Notifications, 3 unread"
        assert '<span class="bell__count" aria-hidden="true">3</span>' in html
    assert "bell" not in app.test_client().get("/signin").get_data(as_text=True)


def test_the_bell_costs_one_query(app, two_parties, client_as):
    client = client_as(two_parties.b.editor)
    _tell(two_parties, two_parties.b.editor, 2)
    client.get("/account")  # warm up
    with count_queries() as with_bell:
        client.get("/account")
    counted = [s for s in with_bell.statements if "FROM notification" in s and "count(" in s.lower()]
    assert len(counted) == 1


def test_the_list_shows_newest_first_with_unread_highlighted(app, two_parties, client_as):
    user = two_parties.b.editor
    _tell(two_parties, user, 3)
    first = db.session.scalar(sa.select(Notification).where(Notification.title == "Mention number 1"))
    services.mark_read(first)
    db.session.commit()
    html = client_as(user).get("/notifications").get_data(as_text=True)
    assert html.index("Mention number 3") < html.index("Mention number 2") < html.index("Mention number 1")
    assert html.count("notification--unread") == 2
    assert html.count("Unread: </span>") == 2
    assert "2 unread." in html


def test_opening_the_page_changes_nothing(app, two_parties, client_as):
    user = two_parties.b.editor
    _tell(two_parties, user, 2)
    client = client_as(user)
    client.get("/notifications")
    client.get("/notifications?show=unread")
    assert services.unread_count(user) == 2


def test_the_list_is_paginated(app, two_parties, client_as):
    user = two_parties.b.editor
    _tell(two_parties, user, 30)
    client = client_as(user)
    page1 = client.get("/notifications").get_data(as_text=True)
    page2 = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Mention number 30" in page1 and "Mention number 6<" in page1 and "Mention number 5<" not in page1
    assert "Page 1 of 2" in page1
    assert "Mention number 5<" in page2 and "Mention number 30" not in page2
    assert client.get("/notifications?page=9").headers["Location"].endswith("page=2")


def test_mark_one_read_and_all_read(app, two_parties, client_as):
    user = two_parties.b.editor
    _tell(two_parties, user, 3)
    client = client_as(user)
    one = db.session.scalar(sa.select(Notification).where(Notification.title == "Mention number 2"))
    response = client.submit(f"/notifications/{one.id}/read", {"next": "/notifications?show=unread"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?show=unread"
    assert services.unread_count(user) == 2
    response = client.submit("/notifications/read-all", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/notifications"  # only the app's own paths
    assert services.unread_count(user) == 0
    assert _bell(client.get("/home").get_data(as_text=True)) == "Notifications, none unread"


def test_following_a_notification_marks_it_read_then_goes_to_its_link(app, two_parties, client_as):
    user = two_parties.b.editor
    _tell(two_parties, user, 1, link=f"/partnerships/{two_parties.partnership.id}/members")
    notification = db.session.scalar(sa.select(Notification))
    client = client_as(user)
    assert client.get(f"/notifications/{notification.id}/open").status_code == 405  # never on GET
    response = client.submit(f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/partnerships/{two_parties.partnership.id}/members"
    assert services.unread_count(user) == 0


def test_nobody_can_read_or_mark_someone_elses_notifications(app, two_parties, client_as):
    _tell(two_parties, two_parties.b.editor, 1)
    notification = db.session.scalar(sa.select(Notification))
    intruder = client_as(two_parties.b.admin)
    for path in (f"/notifications/{notification.id}/open", f"/notifications/{notification.id}/read"):
        assert intruder.submit(path).status_code == 404
    assert "Mention number 1" not in intruder.get("/notifications").get_data(as_text=True)
    assert services.unread_count(two_parties.b.editor) == 1
    assert app.test_client().get("/notifications").status_code == 302  # signed out: to sign in


def test_notifications_of_a_partnership_one_has_left_are_hidden(app, two_parties, client_as):
    from app.partnerships import services as partnerships
    from app.partnerships.access import load_membership

    user = two_parties.b.viewer
    _tell(two_parties, user, 2)
    partnerships.leave_partnership(load_membership(two_parties.partnership.id, user))
    db.session.commit()
    client = client_as(user)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Mention number" not in html and _bell(html) == "Notifications, none unread"


def test_delivery_choices_are_saved_from_the_account_page(app, two_parties, client_as):
    user = two_parties.b.editor
    client = client_as(user)
    html = client.get("/account").get_data(as_text=True)
    assert 'id="notifications"' in html and "Signature requested" in html
    assert re.search(r'name="notify-mention" id="notify-mention-email_now" value="email_now" checked', html)
    choices = {f"notify-{key}": value for key, value in services.preferences_of(user).items()}
    choices.update({"notify-mention": "daily_digest", "notify-section_changed_by_other_party": "in_app"})
    response = client.submit("/account/notifications", choices)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#notifications")
    saved = dict(db.session.execute(
        sa.select(NotificationPreference.kind, NotificationPreference.delivery)
        .where(NotificationPreference.user_id == user.id)
    ).all())
    assert saved == {"mention": "daily_digest", "section_changed_by_other_party": "in_app"}
    html = client.get("/account").get_data(as_text=True)
    assert "Your notification settings are saved." in html
    assert re.search(r'id="notify-mention-daily_digest" value="daily_digest" checked', html)


def test_an_impossible_choice_is_refused(app, two_parties, client_as):
    user = two_parties.b.editor
    client = client_as(user)
    choices = {f"notify-{key}": value for key, value in services.preferences_of(user).items()}
    choices["notify-invitation"] = "email_now"
    client.submit("/account/notifications", choices)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0
    assert "Choose one option" in client.get("/account").get_data(as_text=True)


def test_an_invitation_to_an_existing_account_appears_under_their_bell(app, two_parties, client_as):
    from tests.support.factories import make_colleague

    newcomer = make_colleague(two_parties.a.admin.organisation, email="nia@alpha.example.com", name="Nia New")
    db.session.commit()
    client_as(two_parties.a.admin).submit(
        f"/partnerships/{two_parties.partnership.id}/invitations/new",
        {"invite_as": "colleague", "email": newcomer.email, "role": "editor"},
    )
    html = client_as(newcomer).get("/notifications").get_data(as_text=True)
    assert _bell(html) == "Notifications, 1 unread"
    assert "Ada Admin invited you to Alpha–Beta Alliance" in html
    assert "notifications.follow" not in html and "/open" not in html  # the email holds the only link
