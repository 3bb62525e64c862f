import sqlalchemy as sa

from app.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from app.audit.services import record_event, verify_chain
from app.extensions import db
from tests.support.factories import make_organisation_user


def _events():
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()


def _three_events():
    user = make_organisation_user()
    db.session.commit()
    record_event("test.happened", actor=user, details={"n": 3})
    db.session.commit()
    return user


def test_events_form_a_chain(app):
    _three_events()
    events = _events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_seq, head.last_hash) == (3, events[-1].hash)
    assert verify_chain() is None


def test_events_of_a_rolled_back_transaction_are_not_recorded(app):
    user = _three_events()
    record_event("test.abandoned", actor=user)
    db.session.rollback()
    record_event("test.kept", actor=user)
    db.session.commit()
    assert [e.action for e in _events()][-1] == "test.kept"
    assert "test.abandoned" not in [e.action for e in _events()]
    assert verify_chain() is None


def test_verification_finds_an_edited_event(app):
    _three_events()
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(details={"email": "forged@example.com"}))
    db.session.commit()
    problem = verify_chain()
    assert problem.seq == 2 and "changed" in problem.reason


def test_verification_finds_a_deleted_event(app):
    _three_events()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    problem = verify_chain()
    assert problem.seq == 2 and "missing" in problem.reason


def test_verification_finds_a_deleted_last_event(app):
    _three_events()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 3))
    db.session.commit()
    assert verify_chain() is not None


def test_verification_finds_an_inserted_event(app):
    _three_events()
    events = _events()
    # Make room after event 1 and insert a forged event with a plausible hash.
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq >= 2).values(seq=AuditEvent.seq + 100))
    forged = AuditEvent(
        seq=2, occurred_at=events[1].occurred_at, action="test.forged", details={},
        prev_hash=events[0].hash, hash="f" * 64,
    )
    db.session.add(forged)
    db.session.commit()
    problem = verify_chain()
    assert problem.seq == 2


def test_cli_verify_exits_non_zero_naming_the_event(app, runner):
    _three_events()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 3 events" in ok.output
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 1).values(action="test.rewritten"))
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "event #1" in bad.output


def test_verification_can_continue_from_an_event_already_verified(app):
    _three_events()
    events = _events()
    assert verify_chain(after=(2, events[1].hash)) is None
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 3).values(action="test.rewritten"))
    db.session.commit()
    assert verify_chain(after=(2, events[1].hash)).seq == 3
    problem = verify_chain(after=(2, "0" * 64))  # the starting point itself no longer matches
    assert problem.seq == 2 and "since the chain was last verified" in problem.reason


def test_full_verifications_are_kept_and_pages_check_only_newer_events(app, runner):
    from app.audit.models import AuditVerification
    from app.audit.services import chain_status

    user = _three_events()
    assert chain_status().checked_now == 3
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    [verification] = db.session.scalars(sa.select(AuditVerification)).all()
    assert (verification.last_seq, verification.problem) == (3, None)
    record_event("test.later", actor=user)
    record_event("test.later", actor=user)
    db.session.commit()
    status = chain_status()
    assert status.intact and status.checked_now == 2 and status.events == 5 and status.full_check_seq == 3

    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 4).values(action="test.rewritten"))
    db.session.commit()
    assert chain_status().problem.seq == 4


def test_a_page_checks_a_bounded_number_of_events(app):
    from app.audit.services import chain_status

    _three_events()
    status = chain_status(limit=2)
    assert status.intact and not status.complete and status.verified_seq == 2 and status.unchecked == 1
