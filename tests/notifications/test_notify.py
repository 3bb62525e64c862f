"""Every notification kind through the service, with each delivery choice."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications import services
from app.notifications.delivery import send_due
from app.notifications.kinds import KINDS, Delivery, get_kind
from app.notifications.models import Notification
from app.rules import RuleViolation
from tests.support.mail import file_outbox, html_of, text_of
from tests.support.notifications import after_quiet_period, next_morning


def _emailable() -> list[str]:
    """The kinds the app's features added that can be emailed (inside the test's app context)."""
    return [kind.key for kind in KINDS.all() if kind.emailable]


def _immediate() -> list[str]:
    return [key for key in _emailable() if not get_kind(key).batched]


def test_the_registry_covers_every_kind_the_product_promises(app):  # the app loads every feature
    assert {kind.key for kind in KINDS.all()} == {
        "invitation", "signature_requested", "version_signed", "signature_declined", "baseline_signed",
        "review_stage_changed", "review_submitted_by_other_party", "action_assigned", "action_overdue",
        "review_due", "mention", "section_changed_by_other_party",
        "proposal_waiting", "proposal_outcome", "version_withdrawn", "party_left", "signature_reminder",
        "signature_nudge", "promise_outcome", "meeting_recorded", "escalation",
    }
    for kind in KINDS.all():
        assert kind.label and kind.description and kind.group
        assert kind.default in kind.choices


def _notify(two_parties, kind, **overrides):
    p = two_parties.partnership
    arguments = dict(
        partnership=p,
        title=f"Something about {kind} happened",
        body="Short, plain text.",
        link=f"/partnerships/{p.id}",
        actor=two_parties.a.admin,
        topic="business_case" if get_kind(kind).batched else None,
    )
    arguments.update(overrides)
    created = services.notify([two_parties.b.admin], kind, **arguments)
    db.session.commit()
    return created


def _rows(user):
    return db.session.scalars(sa.select(Notification).where(Notification.recipient_id == user.id)).all()


def test_every_kind_adds_an_in_app_notification(app, two_parties):
    for n, kind in enumerate((kind.key for kind in KINDS.all()), start=1):
        [created] = _notify(two_parties, kind)
        row = db.session.get(Notification, created.id)
        assert row.kind == kind and row.recipient_id == two_parties.b.admin.id
        assert row.partnership_id == two_parties.partnership.id and row.actor_id == two_parties.a.admin.id, kind
        assert row.read_at is None and row.link == f"/partnerships/{two_parties.partnership.id}", kind
        assert services.unread_count(two_parties.b.admin) == n, kind


def test_email_right_away_sends_one_multipart_email_per_kind_after_commit(app, two_parties):
    user = two_parties.b.admin
    immediate = _immediate()
    services.set_preferences(user, {kind: "email_now" for kind in immediate})
    db.session.commit()
    for n, kind in enumerate(immediate, start=1):
        services.notify(
            [user], kind, partnership=two_parties.partnership, title=f"Dana asked you about {kind}",
            body="Please reply by Friday.", link="/partnerships/1", actor=two_parties.a.admin,
        )
        assert len(file_outbox(app)) == n - 1, f"{kind}: nothing leaves before the commit"
        db.session.commit()
        message = file_outbox(app)[-1]
        assert message["To"] == user.email and message["Subject"] == f"Dana asked you about {kind}"
        assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
        for part in (text_of(message), html_of(message)):
            assert "Please reply by Friday." in part, kind
            assert "http://localhost/partnerships/1" in part, kind  # absolute link back into the app
            assert "http://localhost/account#notifications" in part, kind
    assert all(row.emailed_at is not None for row in _rows(user))
    send_due(after_quiet_period(app))
    send_due(next_morning(app))
    assert len(file_outbox(app)) == len(immediate)  # and never again


def test_in_the_app_only_never_emails(app, two_parties):
    emailable = _emailable()
    services.set_preferences(two_parties.b.admin, {kind: "in_app" for kind in emailable})
    for kind in emailable:
        _notify(two_parties, kind)
    send_due(after_quiet_period(app))
    send_due(next_morning(app))
    assert file_outbox(app) == []
    assert services.unread_count(two_parties.b.admin) == len(emailable)


def test_daily_digest_lists_every_kind_in_one_email(app, two_parties):
    from datetime import timedelta

    from app.types import clock_at, utcnow

    emailable = _emailable()
    services.set_preferences(two_parties.b.admin, {kind: "daily_digest" for kind in emailable})
    # Written an hour after today's digest hour, so the quiet period ends before the next digest
    # whatever the time of day the test runs (written minutes before the hour, the digest was due).
    written = utcnow().replace(hour=app.config["NOTIFICATION_DIGEST_HOUR"] + 1, minute=0, second=0, microsecond=0)
    with clock_at(written):
        for kind in emailable:
            _notify(two_parties, kind, title=f"The {kind} news")
    send_due(written + timedelta(minutes=app.config["NOTIFICATION_QUIET_MINUTES"] + 1))
    assert file_outbox(app) == []
    report = send_due(next_morning(app))
    assert report.digests == 1
    [digest] = file_outbox(app)
    assert f"{len(emailable)} updates" in digest["Subject"]
    for kind in emailable:
        assert f"The {kind} news" in text_of(digest) and f"The {kind} news" in html_of(digest), kind
        assert get_kind(kind).label in text_of(digest), kind
    assert all(row.digested_at is not None for row in _rows(two_parties.b.admin))


def test_rolled_back_notifications_send_nothing(app, two_parties):
    services.notify([two_parties.b.admin], "mention", partnership=two_parties.partnership, title="You were mentioned")
    db.session.rollback()
    assert file_outbox(app) == [] and _rows(two_parties.b.admin) == []


def test_the_actor_is_not_told_about_their_own_action(app, two_parties):
    created = services.notify(
        [two_parties.a.admin, two_parties.b.admin], "baseline_signed", partnership=two_parties.partnership,
        title="v1.0 is the signed baseline", actor=two_parties.a.admin,
    )
    assert [n.recipient_id for n in created] == [two_parties.b.admin.id]
    again = services.notify(
        [two_parties.a.admin], "baseline_signed", partnership=two_parties.partnership,
        title="v1.0 is the signed baseline", actor=two_parties.a.admin, include_actor=True,
    )
    assert len(again) == 1


def test_a_dedupe_key_is_used_once_per_recipient(app, two_parties):
    kwargs = dict(
        partnership=two_parties.partnership, title="Review due in 7 days", dedupe_key="review_due:1:2026-12-01"
    )
    assert len(services.notify([two_parties.b.admin, two_parties.b.editor], "review_due", **kwargs)) == 2
    db.session.commit()
    assert services.notify([two_parties.b.admin, two_parties.b.editor], "review_due", **kwargs) == []
    db.session.commit()
    assert len(file_outbox(app)) == 2


def test_links_must_stay_inside_the_app_and_titles_stay_short(app, two_parties):
    for link in ("https://evil.example/phish", "//evil.example", "javascript:alert(1)", "partnerships/1"):
        with pytest.raises(ValueError):
            services.notify([two_parties.b.admin], "mention", partnership=None, title="x", link=link)
    [created] = services.notify(
        [two_parties.b.admin], "mention", partnership=None, title="word " * 100, body="b" * 5000
    )
    assert len(created.title) <= services.TITLE_MAX and created.title.endswith("…")
    assert len(created.body) <= services.BODY_MAX
    with pytest.raises(ValueError):
        services.notify([two_parties.b.admin], "no_such_kind", partnership=None, title="x")


def test_inactive_people_are_not_notified(app, two_parties):
    two_parties.b.viewer.active = False
    created = services.notify(
        [two_parties.b.admin, two_parties.b.viewer], "mention", partnership=two_parties.partnership, title="Hi"
    )
    assert [n.recipient_id for n in created] == [two_parties.b.admin.id]


def test_recipient_helpers_are_symmetric_between_parties(app, two_parties):
    p = two_parties.partnership
    a, b = two_parties.a, two_parties.b
    assert {u.id for u in services.members_of_other_parties(p.id, a.party.id)} == {b.admin.id, b.editor.id, b.viewer.id}
    assert {u.id for u in services.members_of_other_parties(p.id, b.party.id)} == {a.admin.id, a.editor.id, a.viewer.id}
    assert [u.id for u in services.members_of_party(p.id, b.party.id, roles=["admin"])] == [b.admin.id]
    signatories = services.members_of_partnership(p.id, signatories_only=True)
    assert {u.id for u in signatories} == {a.admin.id, b.admin.id}
    outsiders = services.members_of_partnership(two_parties.outsider_partnership.id)
    assert [u.id for u in outsiders] == [two_parties.outsider.id]


def test_notify_other_parties_tells_everyone_on_the_other_side(app, two_parties):
    from app.partnerships.access import load_membership

    actor = load_membership(two_parties.partnership.id, two_parties.a.editor)
    created = services.notify_other_parties(
        actor, "review_submitted_by_other_party", title="Alpha Ltd submitted its review", link="/partnerships/1"
    )
    b = two_parties.b
    assert {n.recipient_id for n in created} == {b.admin.id, b.editor.id, b.viewer.id}


def test_preferences_default_per_kind_and_can_be_changed(app, two_parties):
    user = two_parties.b.admin
    assert services.preferences_of(user) == {kind.key: kind.default for kind in KINDS.all()}
    changed = services.set_preferences(
        user, {"mention": "daily_digest", "action_assigned": "in_app", "review_due": "email_now"}
    )
    db.session.commit()
    assert set(changed) == {"mention", "action_assigned"}  # review_due already emailed right away
    assert services.preferences_of(user)["mention"] == Delivery.DAILY_DIGEST
    assert services.deliveries_for([user.id, two_parties.b.editor.id], get_kind("action_assigned")) == {
        user.id: Delivery.IN_APP,
        two_parties.b.editor.id: get_kind("action_assigned").default,
    }
    with pytest.raises(RuleViolation):
        services.set_preferences(user, {"invitation": "email_now"})  # its email is the invitation's own
    with pytest.raises(RuleViolation):
        services.set_preferences(user, {"mention": "carrier_pigeon"})


def test_changing_a_preference_moves_notifications_still_waiting_for_an_email(app, two_parties):
    user = two_parties.b.admin
    services.set_preferences(user, {"mention": "daily_digest"})
    _notify(two_parties, "mention")
    services.set_preferences(user, {"mention": "in_app"})
    db.session.commit()
    assert send_due(next_morning(app)).digests == 0
    assert file_outbox(app) == []


def test_invitations_to_existing_accounts_show_under_the_bell_without_a_second_email(app, two_parties):
    from app.invitations import services as invitations
    from app.partnerships.access import load_membership
    from tests.support.factories import make_colleague

    newcomer = make_colleague(two_parties.a.admin.organisation, email="nia@alpha.example.com", name="Nia New")
    db.session.commit()
    ada = load_membership(two_parties.partnership.id, two_parties.a.admin)
    invitations.invite(ada, email=newcomer.email, role="editor")
    invitations.invite(ada, email="nobody@alpha.example.com", role="viewer")
    db.session.commit()
    [notification] = _rows(newcomer)
    assert notification.kind == "invitation" and notification.link is None
    assert notification.title == "Ada Admin invited you to Alpha–Beta Alliance"
    assert "open the link in the invitation email" in notification.body
    assert [m["To"] for m in file_outbox(app)] == [newcomer.email, "nobody@alpha.example.com"]  # one email each
    assert services.unread_count(newcomer) == 1
