"""Two people of the promisee answer the same promise at the same moment, on PostgreSQL, each in
its own request: one answer is recorded, the other is told what was recorded meanwhile, and
nothing is written over."""

import contextlib
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.partnerships.access import load_membership
from app.promises import services
from app.promises.ledger import promise_of, promises_of
from app.promises.models import PromiseRecord
from tests.support.promises import TARGET_A


def _race(app, world, answers, hold_on: str):
    partnership_id = world.partnership.id
    barrier, seen, reached, errors, done = threading.Barrier(2, timeout=10), threading.local(), [], [], []

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(hold_on) and not getattr(seen, "held", False):
            seen.held = True
            reached.append(statement)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    def answer(user_id, act):
        try:
            with app.app_context():
                from app.accounts.models import User

                act(load_membership(partnership_id, db.session.get(User, user_id)))
                db.session.commit()
                done.append(user_id)
        except services.PromiseError as error:
            errors.append((user_id, error))
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            errors.append((user_id, error))

    sa.event.listen(db.engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=answer, args=pair) for pair in answers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hold)
    return reached, done, errors


@pytest.mark.postgres_only
def test_two_first_confirmations_at_once_record_one_and_tell_the_other(app, world):
    key = next(p.key for p in promises_of(world.partnership.id)
               if p.source == "objective" and p.promisor.id == world.a.party.id)
    answers = [
        (world.b.editor.id, lambda m: services.confirm(m, key, "kept", TARGET_A, "", 0)),
        (world.b.admin.id, lambda m: services.confirm(m, key, "broken", None, "Not met.", 0)),
    ]
    reached, done, errors = _race(app, world, answers, "INSERT INTO promise_record")
    assert len(reached) == 2  # both reached the record's first insert together
    assert len(done) == 1 and len(errors) == 1
    (_user, error), = errors
    assert isinstance(error, services.PromiseError) and "while you were looking" in error.message
    db.session.expire_all()
    record = db.session.scalars(sa.select(PromiseRecord)).one()
    assert record.version == 1 and record.outcome_by_id == done[0]
    expected = "kept_on_time" if done[0] == world.b.editor.id else "broken"
    assert promise_of(world.partnership.id, key).outcome == expected


@pytest.mark.postgres_only
def test_a_contest_and_a_change_of_outcome_at_once_do_not_overwrite_each_other(app, world):
    key = next(p.key for p in promises_of(world.partnership.id)
               if p.source == "objective" and p.promisor.id == world.a.party.id)
    services.confirm(load_membership(world.partnership.id, world.b.editor), key, "broken", None, "Not met.", 0)
    db.session.commit()
    answers = [
        (world.a.editor.id, lambda m: services.contest(m, key, TARGET_A, "Met in March.", 1)),
        (world.b.admin.id, lambda m: services.confirm(m, key, "kept", TARGET_A, "", 1)),
    ]
    reached, done, errors = _race(app, world, answers, "SELECT promise_record")
    assert len(done) == 1 and len(errors) == 1, errors
    db.session.expire_all()
    record = db.session.scalars(sa.select(PromiseRecord)).one()
    assert record.version == 2
    if done[0] == world.a.editor.id:
        assert (record.outcome, record.contested_note) == ("broken", "Met in March.")
    else:
        assert (record.outcome, record.contested_at) == ("kept", None)


@pytest.mark.postgres_only
def test_taking_an_issue_up_and_resolving_it_at_once_do_one_and_tell_the_other(app, world):
    from datetime import date

    from app.promises import escalations
    from app.promises.models import Escalation
    from tests.support.promises import write_ladder

    write_ladder(world)
    issue = escalations.raise_issue(load_membership(world.partnership.id, world.a.editor), "Doors double-booked",
                                    "", date(2026, 3, 2))
    db.session.commit()
    issue_id, seen = issue.id, issue.version
    answers = [
        (world.a.editor.id, lambda m: escalations.escalate(m, issue_id, seen, date(2026, 3, 3), "Stuck.")),
        (world.b.editor.id, lambda m: escalations.resolve(m, issue_id, seen, date(2026, 3, 3), "Split the doors.")),
    ]
    reached, done, errors = _race(app, world, answers, "SELECT escalation.id")
    assert len(reached) == 2 and len(done) == 1 and len(errors) == 1, errors
    (_user, error), = errors
    assert isinstance(error, escalations.EscalationError) and error.status == 409
    db.session.expire_all()
    stored = db.session.get(Escalation, issue_id)
    assert stored.version == 2
    if done[0] == world.a.editor.id:
        assert (len(stored.steps), stored.resolved_on) == (2, None)
    else:
        assert (len(stored.steps), stored.resolution) == (1, "Split the doors.")
