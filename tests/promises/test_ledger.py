"""The promise ledger read from its sources, and what the parties do with a promise: confirm,
contest, accept, withdraw, release by agreement. Through the services, on both engines."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.consent import services as consent
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_versions import withdrawal
from app.promises import release, services
from app.promises.ledger import promise_of, promises_of
from app.promises.services import PromiseError
from app.review_cycle import improvement
from app.review_cycle.models import ReviewCycle
from app.types import clock_at, utcnow
from tests.support import review_cycle as rc
from tests.support.my_work import version_with_deadline
from tests.support.promises import TARGET_A, TARGET_B
from tests.support.queries import count_queries


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def by_key(partnership_id, today=None):
    return {p.key: p for p in promises_of(partnership_id, today)}


def member(world, user):
    return load_membership(world.partnership.id, user)


def action_fields(action):
    return {"title": action.title, "description": action.description, "owner_party_id": action.owner_party_id,
            "owner_user_id": action.owner_user_id, "due_on": action.due_on, "link": ""}


def finish(world, action, user, day: date, status: str = "done"):
    improvement.update_action(member(world, user), action, action_fields(action), status, at=at(day))
    db.session.commit()



# -- sources -----------------------------------------------------------------------------------


def test_actions_are_kept_on_time_late_broken_or_open(world, cycle):
    on_time = rc.add_action(cycle, world.a.editor, "On time", due=date(2030, 1, 31))
    late = rc.add_action(cycle, world.b.editor, "Late", due=date(2030, 1, 31))
    dropped = rc.add_action(cycle, world.b.editor, "Dropped", due=date(2030, 1, 31))
    still = rc.add_action(cycle, world.a.editor, "Still open", due=date(2030, 1, 31))
    finish(world, on_time, world.a.editor, date(2030, 1, 31))
    finish(world, late, world.b.editor, date(2030, 2, 9))
    finish(world, dropped, world.b.editor, date(2030, 1, 5), "dropped")
    found = by_key(world.partnership.id, today=date(2030, 2, 10))
    a_name, b_name = world.a.party.name, world.b.party.name
    first = found[f"action:{on_time.id}"]
    assert (first.outcome, first.promisor.name, [p.name for p in first.promisees], first.person) == (
        "kept_on_time", a_name, [b_name], "Eve Editor")
    second = found[f"action:{late.id}"]
    assert (second.outcome, second.lateness, second.outcome_label) == ("kept_late", 9, "Kept late (9 days)")
    assert found[f"action:{dropped.id}"].outcome == "broken"
    open_one = found[f"action:{still.id}"]
    assert (open_one.outcome, open_one.overdue, open_one.overdue_days) == ("open", True, 10)
    assert not by_key(world.partnership.id, today=date(2030, 1, 31))[f"action:{still.id}"].overdue


def test_submissions_actuals_and_agreements_come_from_the_cycle(world):
    rc.add_measures(world.partnership, world.a.admin)
    cycle = rc.open_cycle(world.partnership, world.a.admin)
    rc.submit(cycle, world.a.editor, 4)
    found = by_key(world.partnership.id)
    a, b = world.a.party.id, world.b.party.id
    mine = found[f"submission:{cycle.id}:{a}"]
    assert (mine.outcome, mine.due_on, mine.person) == ("kept_on_time", cycle.review_due_on, "Eve Editor")
    assert found[f"submission:{cycle.id}:{b}"].outcome == "open"
    # Each measure's data owner promises its actual: Alpha owns two of the three measures.
    actuals = [p for p in found.values() if p.source == "actual"]
    assert sorted(p.promisor.id for p in actuals) == sorted([a, a, b])
    assert {p.outcome for p in actuals if p.promisor.id == a} == {"kept_on_time"}
    assert {p.outcome for p in actuals if p.promisor.id == b} == {"open"}
    # The Review stage's agreement is promised by both; later stages are not reached yet.
    agreements = sorted(p.key for p in found.values() if p.source == "agreement")
    assert agreements == sorted([f"agreement:{cycle.id}:review:{a}", f"agreement:{cycle.id}:review:{b}"])
    rc.submit(cycle, world.b.editor, 3)
    rc.agree_all(cycle, [world.a.admin, world.b.admin])
    found = by_key(world.partnership.id)
    assert found[f"agreement:{cycle.id}:review:{a}"].outcome == "kept_on_time"
    assert found[f"agreement:{cycle.id}:adapt:{b}"].outcome == "open"


def test_a_late_submission_is_kept_late_by_its_days(world):
    rc.add_measures(world.partnership, world.a.admin)
    cycle = rc.open_cycle(world.partnership, world.a.admin)
    cycle.review_due_on = utcnow().date() - timedelta(days=3)
    db.session.commit()
    rc.submit(cycle, world.a.editor, 4)
    rc.submit(cycle, world.b.editor, 3)
    promise = promise_of(world.partnership.id, f"submission:{cycle.id}:{world.b.party.id}")
    assert (promise.outcome, promise.lateness) == ("kept_late", 3)
    # The Review could not be agreed before the last submission: agreeing it the same day is on time.
    rc.agree_all(cycle, [world.a.admin, world.b.admin])
    found = by_key(world.partnership.id)
    for party in (world.a.party, world.b.party):
        agreement = found[f"agreement:{cycle.id}:review:{party.id}"]
        assert (agreement.due_on, agreement.outcome) == (utcnow().date(), "kept_on_time")


def test_nothing_of_an_unrevealed_assessment_reaches_the_ledger(world):
    rc.add_measures(world.partnership, world.a.admin)
    cycle = rc.open_cycle(world.partnership, world.a.admin)
    rc.submit(cycle, world.a.editor, 2, comment="SECRET-SCORE-NOTE", text="SECRET-ACHIEVEMENT", actual="77.5")
    for promise in promises_of(world.partnership.id):
        said = " ".join(str(v) for v in vars(promise).values())
        assert "SECRET" not in said and "77.5" not in said


def test_signatures_by_a_deadline(versions):
    versions.write_everything()
    version = version_with_deadline(versions, date(2030, 1, 15))
    people = versions.people
    versions.sign(version, people.a.admin)
    found = by_key(versions.partnership.id, today=date(2030, 1, 20))
    signed = found[f"signature:{version.id}:{people.a.party.id}"]
    assert signed.outcome in ("kept_on_time", "kept_late") and signed.person == people.a.admin.full_name
    unsigned = found[f"signature:{version.id}:{people.b.party.id}"]
    assert (unsigned.outcome, unsigned.overdue_days) == ("open", 5)


def test_a_version_withdrawn_by_agreement_releases_its_signatures(versions):
    versions.write_everything()
    version = version_with_deadline(versions, date(2030, 1, 15))
    people = versions.people
    proposal = withdrawal.propose_withdrawal(versions.member(people.a.admin), version, "Wrong annex.")
    consent.respond(versions.member(people.b.admin), proposal, "agree")
    db.session.commit()
    promise = promise_of(versions.partnership.id, f"signature:{version.id}:{people.b.party.id}")
    assert promise.outcome == "released" and not promise.due


def test_a_declined_version_owed_nothing_unless_its_deadline_had_passed(versions):
    from app.plan_versions import services as plan_versions

    versions.write_everything()
    people = versions.people
    early = version_with_deadline(versions, date(2030, 1, 15))
    plan_versions.decline_version(versions.member(people.b.admin), early, "Not like this.")
    db.session.commit()
    assert not [p for p in promises_of(versions.partnership.id) if p.source == "signature"]
    late = version_with_deadline(versions, date(2030, 1, 10))
    with clock_at(at(date(2030, 1, 12))):  # its deadline passed while nobody signed
        plan_versions.decline_version(versions.member(people.b.admin), late, "Too late now.")
    db.session.commit()
    found = by_key(versions.partnership.id)
    assert {found[f"signature:{late.id}:{party.id}"].outcome for party in (people.a.party, people.b.party)} == {
        "broken"}


def test_a_party_that_left_is_waited_for_no_more(world):
    from tests.support.consent import add_third_party

    rc.add_measures(world.partnership, world.a.admin)
    third = add_third_party(world)
    cycle = rc.open_cycle(world.partnership, world.a.admin)
    third.party.left_at = utcnow()
    db.session.commit()
    keys = by_key(world.partnership.id)
    assert f"submission:{cycle.id}:{third.party.id}" not in keys
    assert f"submission:{cycle.id}:{world.b.party.id}" in keys


def test_objectives_with_target_dates_wait_for_the_promisee(world):
    found = by_key(world.partnership.id, today=date(2026, 4, 1))
    objectives = sorted((p for p in found.values() if p.source == "objective"), key=lambda p: p.due_on)
    assert [(p.promisor.id, p.due_on, p.outcome) for p in objectives] == [
        (world.a.party.id, TARGET_A, "open"), (world.b.party.id, TARGET_B, "open")]  # no date, no promise
    assert objectives[0].overdue and not objectives[1].overdue


# -- confirmations -----------------------------------------------------------------------------


def objective_key(world, party):
    return next(p.key for p in promises_of(world.partnership.id)
                if p.source == "objective" and p.promisor.id == party.id)


def test_the_promisee_confirms_an_objective_kept_late(world):
    key = objective_key(world, world.a.party)
    services.confirm(member(world, world.b.editor), key, "kept", TARGET_A + timedelta(days=4), "", 0)
    db.session.commit()
    promise = promise_of(world.partnership.id, key)
    assert (promise.outcome, promise.lateness) == ("kept_late", 4)
    assert promise.known_from == f"Confirmed by {world.b.party.name}"


def test_only_the_promisee_confirms_and_never_a_viewer(world):
    key = objective_key(world, world.a.party)
    with pytest.raises(PromiseError) as refused:
        services.confirm(member(world, world.a.admin), key, "kept", TARGET_A, "", 0)
    assert refused.value.status == 403
    with pytest.raises(PromiseError) as refused:
        services.confirm(member(world, world.b.viewer), key, "kept", TARGET_A, "", 0)
    assert refused.value.status == 403


@pytest.mark.parametrize(("outcome", "day", "note", "field"), [
    ("kept", None, "", "kept_on"),
    ("kept", date.today() + timedelta(days=2), "", "kept_on"),
    ("broken", None, "", "note"),
    ("broken", None, "x" * 1001, "note"),
    ("released", None, "", "outcome"),
])
def test_a_confirmation_is_checked_field_by_field(world, outcome, day, note, field):
    key = objective_key(world, world.a.party)
    with pytest.raises(PromiseError) as refused:
        services.confirm(member(world, world.b.editor), key, outcome, day, note, 0)
    assert refused.value.field == field


def test_a_confirmation_made_meanwhile_is_not_overwritten(world):
    key = objective_key(world, world.a.party)
    services.confirm(member(world, world.b.editor), key, "kept", TARGET_A, "", 0)
    db.session.commit()
    with pytest.raises(PromiseError, match="Ed Editor .* recorded an outcome while you were looking"):
        services.confirm(member(world, world.b.admin), key, "broken", None, "Never happened.", 0)
    db.session.rollback()
    assert promise_of(world.partnership.id, key).outcome == "kept_on_time"


def test_an_overdue_action_recorded_broken_gives_way_to_the_record(world, cycle):
    action = rc.add_action(cycle, world.a.editor, "Overdue", due=utcnow().date() - timedelta(days=5))
    key = f"action:{action.id}"
    with pytest.raises(PromiseError):  # the record will say when it is kept: only "broken" is the promisee's
        services.confirm(member(world, world.b.editor), key, "kept", utcnow().date(), "", 0)
    db.session.rollback()
    services.confirm(member(world, world.b.editor), key, "broken", None, "Five days past and nothing.", 0)
    db.session.commit()
    assert promise_of(world.partnership.id, key).outcome == "broken"
    finish(world, action, world.a.editor, utcnow().date())
    promise = promise_of(world.partnership.id, key)
    assert (promise.outcome, promise.lateness) == ("kept_late", 5)


# -- disputes ----------------------------------------------------------------------------------


LATER = at(date(2030, 3, 1))


def late_action(world, cycle):
    action = rc.add_action(cycle, world.a.editor, "Send the rates", due=date(2030, 1, 31))
    finish(world, action, world.a.editor, date(2030, 2, 6))
    return f"action:{action.id}"


def test_a_contest_shows_both_views_and_changes_nothing(world, cycle):
    key = late_action(world, cycle)
    services.contest(member(world, world.a.editor), key, date(2030, 1, 30), "Emailed on the 30th; the board lagged.", 0,
                     at=LATER)
    db.session.commit()
    promise = promise_of(world.partnership.id, key, today=date(2030, 3, 1))
    assert promise.disputed and promise.outcome == "kept_late" and promise.lateness == 6
    assert (promise.record.contested_kept_on, promise.record.contested_party_name) == (
        date(2030, 1, 30), world.a.party.name)


def test_only_the_promisor_contests_and_only_an_outcome_against_it(world, cycle):
    key = late_action(world, cycle)
    with pytest.raises(PromiseError) as refused:
        services.contest(member(world, world.b.editor), key, date(2030, 1, 30), "Not ours to say.", 0, at=LATER)
    assert refused.value.status == 403
    with pytest.raises(PromiseError) as refused:
        services.contest(member(world, world.a.editor), key, date(2030, 2, 7), "Later?", 0, at=LATER)
    assert refused.value.field == "kept_on"
    with pytest.raises(PromiseError) as refused:
        services.contest(member(world, world.a.editor), key, date(2030, 1, 30), "   ", 0, at=LATER)
    assert refused.value.field == "note"
    on_time = rc.add_action(cycle, world.a.editor, "On time", due=date(2030, 1, 31))
    finish(world, on_time, world.a.editor, date(2030, 1, 2))
    with pytest.raises(PromiseError, match="Only an outcome against the promisor"):
        services.contest(member(world, world.a.editor), f"action:{on_time.id}", date(2030, 1, 1), "Earlier.", 0,
                         at=LATER)


def test_accepting_a_contest_makes_it_the_outcome_over_the_record(world, cycle):
    key = late_action(world, cycle)
    services.contest(member(world, world.a.editor), key, date(2030, 1, 30), "Emailed on the 30th.", 0, at=LATER)
    db.session.commit()
    with pytest.raises(PromiseError) as refused:
        services.accept_contest(member(world, world.a.admin), key, 1)
    assert refused.value.status == 403
    db.session.rollback()
    services.accept_contest(member(world, world.b.admin), key, 1)
    db.session.commit()
    promise = promise_of(world.partnership.id, key)
    assert (promise.outcome, promise.disputed, promise.kept_on) == ("kept_on_time", False, date(2030, 1, 30))
    assert promise.known_from.startswith(f"Agreed by {world.b.party.name}")
    assert not services.may_contest(member(world, world.a.editor), promise)


def test_a_withdrawn_contest_leaves_the_outcome_as_it_was(world, cycle):
    key = late_action(world, cycle)
    services.contest(member(world, world.a.editor), key, date(2030, 1, 30), "Emailed on the 30th.", 0, at=LATER)
    db.session.commit()
    services.withdraw_contest(member(world, world.a.admin), key, 1)
    db.session.commit()
    promise = promise_of(world.partnership.id, key)
    assert (promise.outcome, promise.disputed) == ("kept_late", False)
    with pytest.raises(PromiseError, match="Nobody contests"):
        services.accept_contest(member(world, world.b.admin), key, 2)


# -- release by agreement ----------------------------------------------------------------------


def test_a_promise_is_released_only_when_every_party_agrees(world, cycle):
    action = rc.add_action(cycle, world.a.editor, "Pilot the lane", due=date(2030, 1, 31))
    key = f"action:{action.id}"
    promise = promise_of(world.partnership.id, key)
    proposal = release.propose_release(member(world, world.a.editor), promise, "The lane closed.")
    db.session.commit()
    assert promise_of(world.partnership.id, key).outcome == "open"
    with pytest.raises(consent.ConsentError):  # one open proposal per promise
        release.propose_release(member(world, world.b.editor), promise, "Again.")
    db.session.rollback()
    consent.respond(member(world, world.b.admin), proposal, "agree")
    db.session.commit()
    promise = promise_of(world.partnership.id, key, today=date(2030, 6, 1))
    assert (promise.outcome, promise.due) == ("released", False)
    assert promise.known_from == "Released by every party's agreement: The lane closed."
    finish(world, action, world.a.editor, date(2030, 2, 1))  # the release stands over the record
    assert promise_of(world.partnership.id, key).outcome == "released"


def test_a_release_lapses_when_the_promise_is_kept_meanwhile(world, cycle):
    action = rc.add_action(cycle, world.a.editor, "Pilot the lane", due=date(2030, 1, 31))
    key = f"action:{action.id}"
    proposal = release.propose_release(member(world, world.b.editor), promise_of(world.partnership.id, key),
                                       "Not needed.")
    db.session.commit()
    finish(world, action, world.a.editor, date(2030, 1, 3))
    consent.respond(member(world, world.a.admin), proposal, "agree")
    db.session.commit()
    db.session.refresh(proposal)
    assert proposal.status == "lapsed" and promise_of(world.partnership.id, key).outcome == "kept_on_time"


def test_outsiders_cannot_propose_a_release_of_someone_elses_promise(world, cycle):
    from tests.support.consent import add_third_party

    third = add_third_party(world)
    action = rc.add_action(cycle, world.a.editor, "Between A and B", due=date(2030, 1, 31))
    promise = promise_of(world.partnership.id, f"action:{action.id}")
    assert not promise.made_to(third.party.id)
    with pytest.raises(consent.ConsentError) as refused:
        release.propose_release(load_membership(world.partnership.id, third.admin), promise, "We'd like it gone.")
    assert refused.value.status == 403


def test_the_ledger_counts_its_statements_not_its_promises(world, cycle):
    for n in range(3):
        rc.add_action(cycle, world.a.editor, f"Action {n}", due=date(2030, 1, 31))
    with count_queries() as few:
        promises_of(world.partnership.id)
    for n in range(10):
        rc.add_action(cycle, world.b.editor, f"More {n}", due=date(2030, 1, 31))
    db.session.expire_all()
    with count_queries() as many:
        promises_of(world.partnership.id)
    assert len(many) == len(few)


def test_cycles_are_the_partnerships_own(world, cycle):
    other = db.session.get(ReviewCycle, cycle.id)
    assert other.partnership_id == world.partnership.id
    assert all(p.link.startswith(f"/partnerships/{world.partnership.id}/") for p in promises_of(world.partnership.id))
