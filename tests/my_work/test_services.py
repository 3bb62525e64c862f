"""My work, read through its service: each kind of item, for whom, in what order, and never
from a partnership the reader is not in."""

from datetime import date, timedelta

from app.extensions import db
from app.my_work.services import my_work
from app.notifications import services as notifications
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.review_cycle import improvement
from app.types import clock_at, utcnow
from tests.support import review_cycle
from tests.support.consent import propose_rename
from tests.support.my_work import add_action, mention, version_with_deadline
from tests.support.review_cycle import cycle_in_improve


def kinds(user, **kwargs) -> dict[str, list]:
    work = my_work(user, **kwargs)
    return {group.kind: group.items for group in work.groups if group.items}


def test_nothing_waits_in_a_quiet_partnership(two_parties):
    work = my_work(two_parties.a.admin)
    assert work.total == 0
    assert [g.kind for g in work.groups] == ["action", "signature", "proposal", "assessment", "section", "mention"]


def test_improvement_actions_the_reader_owns_overdue_first(two_parties):
    w = two_parties
    cycle = cycle_in_improve(w.partnership, w.a.admin, w.b.admin)
    later = add_action(cycle, w.a.admin, "Share the forecast", date(2030, 3, 1))
    sooner = add_action(cycle, w.a.admin, "Fix the dock schedule", date(2030, 1, 10))
    add_action(cycle, w.a.admin, "Someone else's", date(2030, 1, 1), owner=w.a.editor)

    items = kinds(w.a.admin, today=date(2030, 2, 1))["action"]
    assert [i.title for i in items] == ["Fix the dock schedule", "Share the forecast"]
    assert [i.overdue for i in items] == [True, False]
    assert items[0].due == date(2030, 1, 10)
    assert items[0].link == f"/partnerships/{w.partnership.id}/reviews/{cycle.id}/actions/{sooner.id}"
    assert items[1].key == f"action-{later.id}"
    assert [i.title for i in kinds(w.a.editor)["action"]] == ["Someone else's"]
    assert "action" not in kinds(w.b.admin)

    fields = {"title": sooner.title, "description": "", "owner_party_id": sooner.owner_party_id,
              "owner_user_id": w.a.admin.id, "due_on": sooner.due_on, "link": ""}
    improvement.update_action(load_membership(w.partnership.id, w.a.admin), sooner, fields, "done")
    db.session.commit()
    assert [i.title for i in kinds(w.a.admin)["action"]] == ["Share the forecast"]


def test_versions_waiting_for_the_readers_party_and_signature(versions):
    w = versions.people
    version = versions.issue()
    for signatory in (w.a.admin, w.b.admin):
        [item] = kinds(signatory)["signature"]
        assert item.title == "Sign plan v1.0"
        assert item.link == f"/partnerships/{w.partnership.id}/versions/{version.id}/sign"
    for not_signing in (w.a.editor, w.b.viewer, w.outsider):
        assert "signature" not in kinds(not_signing)

    versions.sign(version, w.b.admin)
    assert "signature" not in kinds(w.b.admin)
    assert "signature" in kinds(w.a.admin)


def test_a_versions_last_day_to_sign_is_its_due_date_and_the_order_is_kept(versions):
    w = versions.people
    version = version_with_deadline(versions, date(2030, 1, 31), [w.b.party.id, w.a.party.id])
    [bob] = kinds(w.b.admin, today=date(2030, 2, 1))["signature"]
    assert bob.title == f"Sign plan {version.label}" and bob.due == date(2030, 1, 31) and bob.overdue
    assert not kinds(w.b.admin, today=date(2030, 1, 31))["signature"][0].overdue  # the last day itself
    assert "signature" not in kinds(w.a.admin)  # Alpha signs after Beta
    versions.sign(version, w.b.admin)
    [ada] = kinds(w.a.admin)["signature"]
    assert ada.due == date(2030, 1, 31)


def test_proposals_waiting_for_the_readers_answer(two_parties):
    w = two_parties
    proposal = propose_rename(w)
    [item] = kinds(w.b.admin)["proposal"]
    assert item.title == proposal.summary and item.due == proposal.expires_at.date()
    assert item.link == f"/partnerships/{w.partnership.id}/proposals/{proposal.id}"
    # The proposing party is not asked; only an admin answers for Beta.
    for not_asked in (w.a.admin, w.b.editor, w.outsider):
        assert "proposal" not in kinds(not_asked)
    with clock_at(proposal.expires_at + timedelta(minutes=1)):
        assert "proposal" not in kinds(w.b.admin)  # expired


def test_reviews_the_readers_party_has_not_submitted_say_nothing_of_the_others(two_parties):
    w = two_parties
    review_cycle.add_measures(w.partnership, w.a.admin)
    cycle = review_cycle.open_cycle(w.partnership, w.a.admin)
    for writer in (w.a.admin, w.a.editor, w.b.admin, w.b.editor):
        [item] = kinds(writer)["assessment"]
        assert item.due == cycle.review_due_on
        assert item.link == f"/partnerships/{w.partnership.id}/reviews/{cycle.id}/assessment"
    assert "assessment" not in kinds(w.a.viewer)

    review_cycle.submit(cycle, w.a.admin, 4, comment="Fine.")
    assert "assessment" not in kinds(w.a.editor)
    [item] = kinds(w.b.editor)["assessment"]
    # Beta learns only that Beta has not submitted: nothing about Alpha's review.
    assert "Beta GmbH" in item.title and "Alpha" not in item.title + item.detail


def test_stale_sections_wait_for_admins_and_editors(plan):
    w = plan.people
    plan.save(w.a.editor, "communications")
    assert "section" not in kinds(w.a.editor)
    with clock_at(utcnow() + timedelta(days=120)):
        for writer in (w.a.editor, w.b.admin):
            [item] = kinds(writer)["section"]
            assert item.title == "Review “Communications”" and item.overdue
            assert item.link == f"/partnerships/{w.partnership.id}/plan/communications"
        assert "section" not in kinds(w.b.viewer)


def test_unread_mentions_until_read(plan):
    w = plan.people
    plan.save(w.a.editor, "risk_assessment")
    mention(w.partnership, w.b.editor, "@Ada Admin can you check the top risk?")
    [item] = kinds(w.a.admin)["mention"]
    assert item.notification_id and item.partnership_id == w.partnership.id
    assert "mention" not in kinds(w.b.admin)
    notifications.mark_all_read(w.a.admin)
    db.session.commit()
    assert "mention" not in kinds(w.a.admin)


def test_other_partnerships_never_appear(two_parties):
    w = two_parties
    review_cycle.open_cycle(w.outsider_partnership, w.outsider)  # Olga's own partnership waits for her review
    propose_rename(w)
    review_cycle.add_measures(w.partnership, w.a.admin)
    review_cycle.open_cycle(w.partnership, w.a.admin)

    olga = my_work(w.outsider)
    assert {i.partnership_id for i in olga.items} == {w.outsider_partnership.id}
    for member in (w.a.admin, w.b.admin, w.b.editor):
        assert {i.partnership_id for i in my_work(member).items} == {w.partnership.id}


def test_a_removed_member_stops_seeing_the_partnerships_work(two_parties):
    w = two_parties
    review_cycle.add_measures(w.partnership, w.a.admin)
    review_cycle.open_cycle(w.partnership, w.a.admin)
    assert my_work(w.b.editor).total == 1
    partnerships.remove_member(load_membership(w.partnership.id, w.b.admin),
                               load_membership(w.partnership.id, w.b.editor))
    db.session.commit()
    assert my_work(w.b.editor).total == 0
