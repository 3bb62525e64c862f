"""A version's deadline and signing order: chosen when issued, frozen with it."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.delivery import send_due
from app.notifications.models import Notification
from app.notifications.services import set_preferences
from app.plan_versions import deadlines, services
from app.plan_versions.models import ImmutableRecord, PlanVersion
from app.rules import RuleViolation
from app.types import clock_at, utcnow
from tests.support.factories import join, make_colleague


@pytest.mark.parametrize("column, value", [("sign_by", date(2030, 1, 31)), ("signing_order", [1, 2])])
def test_the_deadline_and_order_of_an_issued_version_never_change(versions, column, value):
    version = versions.issue()
    setattr(version, column, value)
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement", [
    "UPDATE plan_version SET sign_by = DATE '2030-01-31' WHERE id = :id",
    "UPDATE plan_version SET signing_order = '[1, 2]' WHERE id = :id",
])
def test_postgresql_refuses_changing_the_deadline_or_order(versions, statement):
    version = versions.issue()
    with pytest.raises(sa.exc.DBAPIError, match="issued content"):
        db.session.execute(sa.text(statement), {"id": version.id})
    db.session.rollback()


# -- the deadline and the order at issue --------------------------------------------------------


def _issue(versions, *, sign_by=None, order=None, user=None, today=None):
    version = services.issue_version(
        versions.member(user or versions.people.a.admin), step="major", summary="First agreed plan.",
        sign_by=sign_by, signing_order=order, today=today)
    db.session.commit()
    return version


def _requested(versions) -> set[int]:
    return set(db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.kind == "signature_requested")))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("days, message", [
    (0, "after today"), (-3, "after today"), (367, "within a year"),
])
def test_a_deadline_must_lie_after_today_and_within_a_year(versions, days, message):
    today = date(2027, 3, 10)
    with pytest.raises(RuleViolation, match=message) as refused:
        _issue(versions, sign_by=today + timedelta(days=days), today=today)
    assert refused.value.field == "sign_by"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0


def test_the_deadline_and_order_are_stored_and_audited_with_the_issue(versions):
    a, b = versions.people.a, versions.people.b
    sign_by = utcnow().date() + timedelta(days=14)
    version = _issue(versions, sign_by=sign_by, order=[b.party.id, a.party.id])
    assert (version.sign_by, version.signing_order) == (sign_by, [b.party.id, a.party.id])
    assert [p.name for p in services.ordered_parties(version)] == ["Beta GmbH", "Alpha Ltd"]
    (issued,) = _events("plan.version_issued")
    assert issued.details["sign_by"] == sign_by.isoformat()
    assert issued.details["signing_order"] == ["Beta GmbH", "Alpha Ltd"]
    request = db.session.scalar(sa.select(Notification).where(Notification.kind == "signature_requested"))
    assert f"by {sign_by:%-d %B %Y}" in request.title
    assert "Signing order: Beta GmbH, then Alpha Ltd." in request.body


def test_an_order_must_name_every_party_once(versions):
    a = versions.people.a
    with pytest.raises(RuleViolation, match="signing order") as refused:
        _issue(versions, order=[a.party.id, a.party.id])
    assert refused.value.field == "signing_order"
    db.session.rollback()


# -- signing in turn ----------------------------------------------------------------------------


def test_only_the_party_in_turn_is_asked_and_may_sign(versions):
    a, b = versions.people.a, versions.people.b
    a_signatory = make_colleague(a.admin.organisation, name="Sam Signer")
    join(versions.partnership, a_signatory, "editor", is_signatory=True)
    db.session.commit()
    version = _issue(versions, order=[b.party.id, a.party.id])
    assert _requested(versions) == {b.admin.id}  # Alpha is not asked yet
    assert services.party_in_turn(version).id == b.party.id

    with pytest.raises(services.SigningRefused, match="not Alpha Ltd's turn") as refused:
        versions.sign(version, a.admin)
    assert refused.value.status == 409
    db.session.rollback()
    assert version.signatures == []

    versions.sign(version, b.admin)
    assert _requested(versions) == {b.admin.id, a.admin.id, a_signatory.id}  # Alpha's turn: its signatories
    (turn,) = _events("plan.signature_turn")
    assert (turn.party_id, turn.details["party_name"]) == (a.party.id, "Alpha Ltd")
    versions.sign(version, a.admin)
    assert version.status == "signed"


def test_a_party_may_decline_before_its_turn(versions):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, order=[b.party.id, a.party.id])
    services.decline_version(versions.member(a.admin), version, "Not what we agreed.")
    db.session.commit()
    assert version.status == "declined"


def test_without_an_order_every_party_may_sign_at_once(versions):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions)
    assert {p.id for p in services.parties_asked(version)} == {a.party.id, b.party.id}
    versions.sign(version, a.admin)
    versions.sign(version, b.admin)
    assert version.status == "signed"


# -- reminders ----------------------------------------------------------------------------------


def _reminders(user=None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == "signature_reminder").order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.recipient_id == user.id)
    return list(db.session.scalars(query))


def test_reminders_halfway_a_day_before_and_overdue_once_each(versions):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, sign_by=utcnow().date() + timedelta(days=10))
    versions.sign(version, a.admin)  # only Beta is still to sign
    end = deadlines.deadline_end(version)
    halfway = version.issued_at + (end - version.issued_at) / 2
    clock = [
        (version.issued_at + timedelta(hours=1), []),
        (halfway + timedelta(minutes=1), ["halfway"]),
        (halfway + timedelta(hours=2), ["halfway"]),  # not twice
        (end - timedelta(days=1, minutes=-5), ["halfway", "day_before"]),
        (end - timedelta(hours=2), ["halfway", "day_before"]),
        (end + timedelta(minutes=5), ["halfway", "day_before", "overdue"]),
        (end + timedelta(days=3), ["halfway", "day_before", "overdue"]),  # overdue once
    ]
    for now, points in clock:
        send_due(now)
        assert [n.dedupe_key.split(":")[3] for n in _reminders(b.admin)] == points, now
    assert _reminders(a.admin) == []  # Alpha signed
    titles = [n.title for n in _reminders(b.admin)]
    assert titles[0].startswith("Halfway to the deadline: plan v1.0 waits for Beta GmbH's signature")
    assert titles[1].startswith("One day left")
    assert titles[2].startswith(f"Overdue since {version.sign_by:%-d %B %Y}")
    audited = _events("plan.signature_reminded")
    assert [(e.details["point"], e.details["user_id"], e.party_id) for e in audited] == [
        ("halfway", b.admin.id, b.party.id), ("day_before", b.admin.id, b.party.id),
        ("overdue", b.admin.id, b.party.id)]
    assert version.overdue_on(end.date())


def test_a_late_run_sends_only_the_latest_point_due(versions):
    b = versions.people.b
    version = _issue(versions, sign_by=utcnow().date() + timedelta(days=10))
    send_due(deadlines.deadline_end(version) + timedelta(days=1))
    assert [n.dedupe_key.split(":")[3] for n in _reminders(b.admin)] == ["overdue"]


def test_no_reminders_without_a_deadline_or_once_the_version_is_closed(versions):
    b = versions.people.b
    version = _issue(versions)
    send_due(utcnow() + timedelta(days=400))
    assert _reminders() == []
    services.decline_version(versions.member(b.admin), version, "No.")
    db.session.commit()
    version = _issue(versions, sign_by=utcnow().date() + timedelta(days=4))
    services.decline_version(versions.member(b.admin), version, "Still no.")
    db.session.commit()
    send_due(utcnow() + timedelta(days=30))
    assert _reminders() == []


def test_in_turn_the_next_party_is_reminded_from_when_its_turn_came(versions):
    a, b = versions.people.a, versions.people.b
    issued = utcnow()
    version = _issue(versions, sign_by=issued.date() + timedelta(days=10), order=[b.party.id, a.party.id])
    end = deadlines.deadline_end(version)
    halfway = version.issued_at + (end - version.issued_at) / 2
    send_due(halfway + timedelta(minutes=1))
    assert [n.recipient_id for n in _reminders()] == [b.admin.id]  # Alpha is not asked yet
    with clock_at(version.issued_at + timedelta(days=6)):
        versions.sign(version, b.admin)
    # Alpha's time frame starts now: its halfway point lies between its turn and the deadline.
    turn = deadlines.turn_started(version, a.party.id)
    assert turn == version.signatures[0].signed_at
    send_due(halfway + timedelta(minutes=2))
    assert _reminders(a.admin) == []
    send_due(turn + (end - turn) / 2 + timedelta(minutes=1))
    assert [n.dedupe_key.split(":")[3] for n in _reminders(a.admin)] == ["halfway"]


def test_reminders_follow_each_persons_delivery_choice(versions, app):
    b = versions.people.b
    set_preferences(b.admin, {"signature_reminder": "daily_digest"})
    db.session.commit()
    version = _issue(versions, sign_by=utcnow().date() + timedelta(days=10))
    send_due(deadlines.deadline_end(version) + timedelta(hours=1))
    (reminder,) = _reminders(b.admin)
    assert reminder.delivery == "daily_digest" and reminder.emailed_at is None


# -- nudges -------------------------------------------------------------------------------------


def test_an_admin_nudges_a_party_once_a_day(versions):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, sign_by=utcnow().date() + timedelta(days=10))
    now = utcnow()
    deadlines.nudge(versions.member(a.admin), version, b.party.id, now=now)
    db.session.commit()
    (note,) = db.session.scalars(sa.select(Notification).where(Notification.kind == "signature_nudge"))
    assert note.recipient_id == b.admin.id and "Ada Admin (Alpha Ltd) asks whether Beta GmbH can sign" in note.title
    (event,) = _events("plan.signature_nudged")
    assert (event.actor_id, event.details["party_name"]) == (a.admin.id, "Beta GmbH")

    with pytest.raises(services.SigningRefused, match="one nudge a day") as refused:
        deadlines.nudge(versions.member(a.admin), version, b.party.id, now=now + timedelta(hours=23))
    assert refused.value.status == 429
    db.session.rollback()
    deadlines.nudge(versions.member(b.admin), version, b.party.id, now=now + timedelta(hours=24, minutes=1))
    db.session.commit()
    assert len(_events("plan.signature_nudged")) == 2


@pytest.mark.parametrize("who, status", [("editor", 403), ("viewer", 403)])
def test_only_admins_nudge(versions, who, status):
    version = _issue(versions)
    with pytest.raises(services.SigningRefused) as refused:
        deadlines.nudge(versions.member(getattr(versions.people.a, who)), version, versions.people.b.party.id)
    assert refused.value.status == status


def test_nudges_go_to_the_party_in_turn_only_and_never_after_it_signed(versions):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, order=[b.party.id, a.party.id])
    with pytest.raises(services.SigningRefused, match="not Alpha Ltd's turn") as refused:
        deadlines.nudge(versions.member(b.admin), version, a.party.id)
    assert refused.value.status == 409
    db.session.rollback()
    versions.sign(version, b.admin)
    with pytest.raises(services.SigningRefused, match="already signed"):
        deadlines.nudge(versions.member(a.admin), version, b.party.id)
    db.session.rollback()
    with pytest.raises(services.SigningRefused, match="was not one"):
        deadlines.nudge(versions.member(a.admin), version, versions.people.outsider_partnership.parties[0].id)
    db.session.rollback()


def test_the_progress_lists_each_party_in_turn_with_its_signatories(versions):
    a, b = versions.people.a, versions.people.b
    version = _issue(versions, order=[b.party.id, a.party.id])
    rows = deadlines.signing_progress(version)
    assert [(r.party.name, r.position, r.state) for r in rows] == [("Beta GmbH", 1, "asked"),
                                                                     ("Alpha Ltd", 2, "waiting")]
    assert [u.id for u in rows[0].signatories] == [b.admin.id]
    versions.sign(version, b.admin)
    rows = deadlines.signing_progress(version)
    assert [r.state for r in rows] == ["signed", "asked"]
