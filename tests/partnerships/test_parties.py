"""A party may always leave: one of its admins takes it out with a reason; its people lose
access at once, the party's row and every record naming it stay."""

import html

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import Notification
from app.partnerships import leaving
from app.partnerships.access import load_membership
from app.partnerships.models import Invitation, Membership, Party
from app.partnerships.signals import party_left
from app.rules import RuleViolation
from tests.support.factories import admit_party


def _url(two_parties, suffix=""):
    return f"/partnerships/{two_parties.partnership.id}{suffix}"


def _leave(client, two_parties, reason="Our priorities changed.", confirm="y"):
    form = {"reason": reason}
    if confirm:
        form["confirm"] = confirm
    return client.submit(_url(two_parties, "/party/leave"), form)


def test_an_admin_takes_their_party_out_and_its_people_lose_access_at_once(two_parties, client_as):
    bob = client_as(two_parties.b.admin)
    members = bob.get(_url(two_parties, "/members")).get_data(as_text=True)
    assert "Leave the partnership for Beta GmbH" in members
    page = html.unescape(bob.get(_url(two_parties, "/party/leave")).get_data(as_text=True))
    assert "Everyone of Beta GmbH loses access to this partnership at once" in page
    assert "Nothing that already happened changes" in page

    refused = _leave(bob, two_parties, reason="   ")
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert _leave(bob, two_parties, confirm=None).status_code == 422
    assert two_parties.b.party.left_at is None

    heard = []
    party_left.connect(lambda party, **kw: heard.append((party.id, kw["reason"])), weak=False)
    response = _leave(bob, two_parties)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert heard == [(two_parties.b.party.id, "Our priorities changed.")]
    party = db.session.get(Party, two_parties.b.party.id)
    db.session.refresh(party)
    assert party.left_at is not None and party.left_reason == "Our priorities changed."
    assert party.left_by_id == two_parties.b.admin.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.party_id == party.id)) == 0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "partnership.party_left"))
    assert event.party_id == party.id and event.details["reason"] == "Our priorities changed."

    for person in (two_parties.b.admin, two_parties.b.editor, two_parties.b.viewer):
        client = client_as(person)
        for path in ("", "/members", "/plan", "/reviews", "/versions", "/party/leave"):
            assert client.get(_url(two_parties, path)).status_code == 404, path
        assert "Alpha–Beta Alliance" not in client.get("/home").get_data(as_text=True)

    # The others are told, and the record still names Beta.
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "party_left")).all()
    assert {n.recipient_id for n in told} == {two_parties.a.admin.id, two_parties.a.editor.id, two_parties.a.viewer.id}
    assert told[0].title == "Beta GmbH left Alpha–Beta Alliance"
    ada = client_as(two_parties.a.admin)
    members = ada.get(_url(two_parties, "/members")).get_data(as_text=True)
    assert "Parties that left" in members and "Beta GmbH</strong> left on" in members
    assert "Bob Admin" not in members.split("Parties that left")[0]
    trail = html.unescape(ada.get(_url(two_parties, "/audit")).get_data(as_text=True))
    assert "took Beta GmbH out of the partnership" in trail and "Bob Admin" in trail
    header = ada.get(_url(two_parties)).get_data(as_text=True)
    assert "Beta GmbH" not in header.split('aria-label="Partnership"')[0].split('class="partnership-head', 1)[-1]


def test_only_the_partys_admins_may_and_never_the_last_party(two_parties, client_as):
    for person in (two_parties.b.editor, two_parties.b.viewer):
        client = client_as(person)
        response = client.get(_url(two_parties, "/party/leave"))
        assert response.status_code == 403
        assert "Only an admin of Beta GmbH can take Beta GmbH out" in html.unescape(response.get_data(as_text=True))
        assert _leave(client, two_parties).status_code == 403
        assert "Leave the partnership for" not in client.get(_url(two_parties, "/members")).get_data(as_text=True)
    outsider = client_as(two_parties.outsider)
    assert outsider.get(_url(two_parties, "/party/leave")).status_code == 404
    assert _leave(outsider, two_parties).status_code == 404

    assert _leave(client_as(two_parties.b.admin), two_parties).status_code == 302
    ada = client_as(two_parties.a.admin)
    last = ada.get(_url(two_parties, "/party/leave"))
    assert last.status_code == 409
    assert "Alpha Ltd is the only party left" in last.get_data(as_text=True)
    assert _leave(ada, two_parties).status_code == 409
    db.session.refresh(two_parties.a.party)
    assert two_parties.a.party.left_at is None


def test_leaving_twice_is_refused_and_invitations_of_the_party_stop_working(two_parties):
    gamma = admit_party(two_parties.partnership)
    bob = load_membership(two_parties.partnership.id, two_parties.b.admin)
    pending = Invitation(
        partnership_id=two_parties.partnership.id, party_id=two_parties.b.party.id,
        invited_by_party_id=two_parties.b.party.id, email="new@beta.example.com", role="editor",
        token_hash="x" * 64, invited_by_id=two_parties.b.admin.id, expires_at=bob.created_at.replace(year=2100),
    )
    db.session.add(pending)
    db.session.commit()
    leaving.leave_for_party(bob, "Done here.")
    db.session.commit()
    db.session.refresh(pending)
    assert pending.revoked_at is not None
    try:
        leaving.leave_for_party(bob, "Again.")
    except leaving.LeavingRefused as refused:
        assert refused.status == 409 and "Beta GmbH already left this partnership" in refused.message
    else:
        raise AssertionError("a party left twice")
    db.session.rollback()
    # Two parties remain: Gamma may still leave, then Alpha is the last.
    leaving.leave_for_party(gamma, "Us too.")
    db.session.commit()
    ada = load_membership(two_parties.partnership.id, two_parties.a.admin)
    try:
        leaving.leave_for_party(ada, "Last one out.")
    except RuleViolation as refused:
        assert refused.status == 409
    else:
        raise AssertionError("the last party left")


@pytest.mark.postgres_only
def test_two_parties_leaving_at_once_leave_one_party_behind(app, two_parties):
    """With two parties, both leaving in the same moment: exactly one leaves, the other is
    told it is the last party, and the partnership keeps a party."""
    import threading

    from app.accounts.models import User

    pid = two_parties.partnership.id
    users = [two_parties.a.admin.id, two_parties.b.admin.id]
    barrier, outcome = threading.Barrier(2), [None, None]

    def run(n, user_id):
        with app.app_context():
            try:
                membership = load_membership(pid, db.session.get(User, user_id))
                barrier.wait(5)
                outcome[n] = leaving.leave_for_party(membership, "Both at once.").id
                db.session.commit()
            except RuleViolation as refused:
                db.session.rollback()
                outcome[n] = refused
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, u)) for n, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    db.session.expire_all()
    assert sum(isinstance(o, int) for o in outcome) == 1
    refused = next(o for o in outcome if isinstance(o, RuleViolation))
    assert refused.status == 409 and "only party left" in refused.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Party).where(
        Party.partnership_id == pid, Party.left_at.is_(None))) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "partnership.party_left")) == 1
