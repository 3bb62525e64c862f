"""The audit trail: one keyed chain per partnership (plus the instance's own), signed
checkpoints, verification that names the partnership and the event, and what a person with
database access alone can and cannot do to it."""

import hashlib
import json

import sqlalchemy as sa

from app.audit.models import GENESIS_HASH, AuditChain, AuditCheckpoint, AuditEvent
from app.audit.services import chain_of, chain_status, checkpoint_chains, record_event, verify_chain
from app.extensions import db
from tests.support.factories import make_organisation_user, make_two_parties


def _events(partnership_id=None):
    chain = chain_of(partnership_id)
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.chain_id == chain.id)
                              .order_by(AuditEvent.seq)).all()


def _three_events():
    user = make_organisation_user()
    db.session.commit()
    record_event("test.happened", actor=user, details={"n": 3})
    db.session.commit()
    return user


def test_events_form_a_keyed_chain(app):
    _three_events()
    events = _events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert {e.key_id for e in events} == {"test"}
    chain = chain_of(None)
    assert (chain.last_seq, chain.last_hash) == (3, events[-1].hash)
    assert verify_chain() is None


def test_each_partnership_has_its_own_chain(app):
    from app.partnerships.services import create_partnership

    first = make_two_parties()
    db.session.commit()
    record_event("test.first", partnership_id=first.partnership.id)
    db.session.commit()
    second = create_partnership(first.a.admin, name="Second alliance", type="joint_venture",
                                purpose="Another purpose.", start_date=first.partnership.start_date)
    db.session.commit()
    for partnership in (first.partnership, second):
        events = _events(partnership.id)
        assert [e.seq for e in events] == list(range(1, len(events) + 1)) and events
        assert {e.partnership_id for e in events} == {partnership.id}
    owners = db.session.scalars(sa.select(AuditChain.partnership_id).order_by(AuditChain.id)).all()
    assert owners[0] is None and {first.partnership.id, second.id} <= set(owners[1:])  # one chain each
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


def test_verification_finds_an_edited_deleted_or_inserted_event(app):
    _three_events()
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(details={"email": "forged@x.com"}))
    db.session.commit()
    problem = verify_chain()
    assert problem.seq == 2 and "changed" in problem.reason and problem.partnership_id is None
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    problem = verify_chain()
    assert problem.seq == 2 and "missing" in problem.reason


def _rewrite_with_database_access_only(partnership_id: int, seq: int, details: dict) -> None:
    """What someone with the database (and the source code) but not AUDIT_KEY can do: change an
    event and recompute every later hash, head included, with the best formula they have."""
    chain = chain_of(partnership_id)
    events = _events(partnership_id)
    previous = events[seq - 2].hash if seq > 1 else GENESIS_HASH
    for event in events[seq - 1:]:
        if event.seq == seq:
            event.details = details
        payload = {"seq": event.seq, "occurred_at": event.occurred_at.isoformat(), "actor_id": event.actor_id,
                   "organisation_id": event.organisation_id, "partnership_id": event.partnership_id,
                   "party_id": event.party_id, "action": event.action, "object_type": event.object_type,
                   "object_id": event.object_id, "ip": event.ip, "details": event.details, "key_id": event.key_id,
                   "prev_hash": previous}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        event.prev_hash = previous
        event.hash = previous = hashlib.sha256(canonical.encode()).hexdigest()
    db.session.execute(sa.update(AuditChain).where(AuditChain.id == chain.id).values(last_hash=previous))
    db.session.commit()


def test_rewriting_an_old_event_and_every_later_hash_is_reported_naming_partnership_and_event(app, runner):
    world = make_two_parties()
    db.session.commit()
    for n in range(5):
        record_event("test.decision", partnership_id=world.partnership.id, details={"n": n})
        db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    target = next(e for e in _events(world.partnership.id) if e.action == "test.decision")

    _rewrite_with_database_access_only(world.partnership.id, target.seq, {"n": 999})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (f"partnership {world.partnership.id} “{world.partnership.name}”: event #{target.seq} was changed "
            "after it was recorded") in result.output
    status = chain_status(world.partnership.id)  # and the trail page says so from now on
    assert not status.intact and status.problem.seq == target.seq


def test_cutting_a_chain_short_is_caught_by_its_signed_checkpoint(app):
    world = make_two_parties()
    db.session.commit()
    for n in range(3):
        record_event("test.decision", partnership_id=world.partnership.id, details={"n": n})
        db.session.commit()
    assert checkpoint_chains() >= 1 and checkpoint_chains() == 0  # only chains that grew
    events = _events(world.partnership.id)
    # Remove the newest event and move the head back to the one before: a consistent, shorter chain.
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    db.session.execute(sa.update(AuditChain).where(AuditChain.partnership_id == world.partnership.id)
                       .values(last_seq=events[-2].seq, last_hash=events[-2].hash))
    db.session.commit()
    problem = verify_chain()
    assert problem.partnership_id == world.partnership.id and "cut short" in problem.reason


def test_a_forged_checkpoint_is_reported(app):
    _three_events()
    checkpoint_chains()
    db.session.execute(sa.update(AuditCheckpoint).values(hash="f" * 64))
    db.session.commit()
    assert "valid signature" in verify_chain().reason


def test_cli_verify_exits_non_zero_naming_the_event(app, runner):
    _three_events()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "3 events" in ok.output
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 1).values(action="test.rewritten"))
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "event #1" in bad.output and "instance's own audit trail" in bad.output


def test_full_verifications_are_kept_and_pages_check_only_newer_events(app, runner):
    from app.audit.models import AuditVerification

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
    _three_events()
    status = chain_status(limit=2)
    assert status.intact and not status.complete and status.verified_seq == 2 and status.unchecked == 1


def test_events_keep_verifying_after_the_audit_key_rotates(make_app):
    app = make_app(AUDIT_KEY="old=an-old-audit-key-for-tests")
    with app.app_context():
        _three_events()
        db.session.remove()
    rotated = make_app(AUDIT_KEY="new=a-new-audit-key-for-tests,old=an-old-audit-key-for-tests")
    with rotated.app_context():
        record_event("test.after_rotation")
        db.session.commit()
        assert [e.key_id for e in _events()] == ["old", "old", "old", "new"]
        assert verify_chain() is None
        db.session.remove()
    forgotten = make_app(AUDIT_KEY="new=a-new-audit-key-for-tests")
    with forgotten.app_context():
        problem = verify_chain()
        assert problem.seq == 1 and "AUDIT_KEY does not hold" in problem.reason
        db.session.remove()
