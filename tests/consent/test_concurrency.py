"""Concurrent answers on PostgreSQL: whatever arrives together, a proposal ends exactly one way,
and its change is made at most once."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.consent import profile, services
from app.consent.models import Proposal, ProposalResponse
from app.extensions import db
from app.partnerships import services as partnerships
from app.partnerships.access import load_membership
from app.partnerships.models import Partnership
from app.rules import RuleViolation
from app.types import utcnow
from tests.support.consent import add_third_party, details, events, propose_rename
from tests.support.databases import wait_until_blocked
from tests.support.factories import make_organisation_user

pytestmark = pytest.mark.postgres_only


def _settle(violation: RuleViolation) -> RuleViolation:
    # As the routes do: a refusal changes nothing, unless it found the proposal over.
    if getattr(violation, "ended", False):
        db.session.commit()
    else:
        db.session.rollback()
    return violation


def _at_once(app, *works) -> list:
    """Run each work() in its own thread and session, all starting together; each result
    (committed) or the RuleViolation it raised."""
    barrier, outcome = threading.Barrier(len(works)), [None] * len(works)

    def run(n, work):
        with app.app_context():
            try:
                barrier.wait(5)
                outcome[n] = work()
                db.session.commit()
            except RuleViolation as violation:
                outcome[n] = _settle(violation)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, work)) for n, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a session is still waiting for a lock"
    db.session.expire_all()
    return outcome


def _member(partnership_id: int, user_id: int):
    return load_membership(partnership_id, db.session.get(User, user_id))


def _answer(pid: int, user_id: int, proposal_id: int, answer: str = "agree", reason: str = "", **kwargs):
    def work():
        proposal = services.respond(_member(pid, user_id), db.session.get(Proposal, proposal_id), answer, reason,
                                    **kwargs)
        return proposal.status
    return work


def _partnership(world) -> Partnership:
    db.session.expire_all()
    return db.session.get(Partnership, world.partnership.id)


def _responses(proposal_id: int) -> list[ProposalResponse]:
    return list(db.session.scalars(sa.select(ProposalResponse).where(ProposalResponse.proposal_id == proposal_id)))


def test_the_last_two_agreements_at_once_apply_the_change_exactly_once(app, two_parties):
    third = add_third_party(two_parties)
    pid, proposal_id = two_parties.partnership.id, propose_rename(two_parties).id
    outcome = _at_once(app, _answer(pid, two_parties.b.admin.id, proposal_id),
                       _answer(pid, third.admin.id, proposal_id))
    assert sorted(outcome) == ["agreed", "open"], outcome  # whichever answers second sees the first
    assert db.session.get(Proposal, proposal_id).status == "agreed"
    assert len(_responses(proposal_id)) == 2
    assert _partnership(two_parties).name == "Renamed Alliance"
    assert len(events("proposal.applied")) == 1 and len(events("partnership.updated")) == 1


def test_an_agreement_and_a_decline_at_once_end_one_way(app, two_parties):
    """Two admins of the same party answer at once, one agreeing, one declining: one answer
    counts for the party, and the proposal ends as that answer says."""
    pid = two_parties.partnership.id
    load_membership(pid, two_parties.b.editor).role = "admin"
    db.session.commit()
    proposal_id = propose_rename(two_parties).id
    outcome = _at_once(app, _answer(pid, two_parties.b.admin.id, proposal_id),
                       _answer(pid, two_parties.b.editor.id, proposal_id, "decline", "No."))
    refused = [o for o in outcome if isinstance(o, RuleViolation)]
    assert len(refused) == 1 and refused[0].status == 409, outcome
    [response] = _responses(proposal_id)
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.status == {"agree": "agreed", "decline": "declined"}[response.answer]
    assert (_partnership(two_parties).name == "Renamed Alliance") is (response.answer == "agree")
    assert len(events("proposal.applied")) == (response.answer == "agree")
    assert len(events("proposal.declined")) == (response.answer == "decline")


def test_an_agreement_and_a_decline_of_different_parties_at_once_never_apply(app, two_parties):
    third = add_third_party(two_parties)
    pid, proposal_id = two_parties.partnership.id, propose_rename(two_parties).id
    _at_once(app, _answer(pid, two_parties.b.admin.id, proposal_id),
             _answer(pid, third.admin.id, proposal_id, "decline", "No."))
    assert db.session.get(Proposal, proposal_id).status == "declined"
    assert _partnership(two_parties).name == "Alpha–Beta Alliance"
    assert not events("proposal.applied") and len(events("proposal.declined")) == 1


def test_an_agreement_racing_a_withdrawal_ends_one_way(app, two_parties):
    pid, proposal_id = two_parties.partnership.id, propose_rename(two_parties).id

    def withdraw():
        return services.withdraw(_member(pid, two_parties.a.admin.id), db.session.get(Proposal, proposal_id)).status

    outcome = _at_once(app, _answer(pid, two_parties.b.admin.id, proposal_id), withdraw)
    refused = [o for o in outcome if isinstance(o, RuleViolation)]
    assert len(refused) == 1 and refused[0].status == 409, outcome
    status = db.session.get(Proposal, proposal_id).status
    assert status in ("agreed", "withdrawn")
    assert (_partnership(two_parties).name == "Renamed Alliance") is (status == "agreed")
    assert len(events("proposal.applied")) + len(events("proposal.withdrawn")) == 1


def test_an_agreement_after_expiry_racing_the_expiry_job_expires_it_once(app, two_parties):
    pid, proposal_id = two_parties.partnership.id, propose_rename(two_parties).id
    db.session.execute(sa.update(Proposal).where(Proposal.id == proposal_id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    outcome = _at_once(app, _answer(pid, two_parties.b.admin.id, proposal_id), services.expire_overdue)
    answer, expired = outcome
    assert isinstance(answer, RuleViolation) and answer.status == 409 and "expired" in answer.message
    assert expired in (0, 1)
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.status == "expired" and not _responses(proposal_id)
    assert len(events("proposal.expired")) == 1  # whichever found it first ended it; the other saw that
    assert _partnership(two_parties).name == "Alpha–Beta Alliance"


def _add_party_until_blocked(app, pid: int, user_id: int, joined: threading.Event, outcome: dict):
    """In its own session: a party joins, then the transaction stays open until another session
    waits on its lock (outcome["blocked"] says whether one did), and commits."""
    def run():
        with app.app_context():
            try:
                partnership = db.session.get(Partnership, pid)
                newcomer = db.session.get(User, user_id)
                partnerships.add_party(partnership, newcomer.organisation_id, actor=newcomer)
                joined.set()
                outcome["blocked"] = wait_until_blocked(db.engine)
                db.session.commit()
            finally:
                joined.set()
                db.session.remove()
    return threading.Thread(target=run)


def test_an_agreement_while_a_party_joins_lapses_and_is_never_applied(app, two_parties):
    pid, proposal_id = two_parties.partnership.id, propose_rename(two_parties).id
    newcomer = make_organisation_user("Delta Co")
    db.session.commit()
    joined, outcome = threading.Event(), {}
    joining = _add_party_until_blocked(app, pid, newcomer.id, joined, outcome)
    joining.start()
    assert joined.wait(10)

    def answer():
        with app.app_context():
            try:
                outcome["answer"] = _answer(pid, two_parties.b.admin.id, proposal_id)()
                db.session.commit()
            except RuleViolation as violation:
                outcome["answer"] = _settle(violation)
            finally:
                db.session.remove()

    answering = threading.Thread(target=answer)
    answering.start()  # it waits for the joining party's lock, then sees the new party
    answering.join(30)
    joining.join(30)
    assert outcome["blocked"], "the answer never waited for the joining party's lock"
    assert isinstance(outcome["answer"], RuleViolation) and outcome["answer"].status == 409, outcome
    db.session.expire_all()
    assert db.session.get(Proposal, proposal_id).status == "lapsed"
    assert _partnership(two_parties).name == "Alpha–Beta Alliance"
    assert not events("proposal.applied") and len(events("proposal.lapsed")) == 1
    assert not _responses(proposal_id)


def test_an_agreement_and_a_party_joining_at_once_end_one_way(app, two_parties):
    pid, proposal_id = two_parties.partnership.id, propose_rename(two_parties).id
    newcomer = make_organisation_user("Delta Co")
    db.session.commit()

    def join():
        partnership = db.session.get(Partnership, pid)
        return partnerships.add_party(partnership, newcomer.organisation_id, actor=None).id

    outcome = _at_once(app, _answer(pid, two_parties.b.admin.id, proposal_id), join)
    assert isinstance(outcome[1], int), outcome  # the party always joins
    status = db.session.get(Proposal, proposal_id).status
    if status == "agreed":  # the answer came first: made, then the party joined
        assert outcome[0] == "agreed" and _partnership(two_parties).name == "Renamed Alliance"
        assert not events("proposal.lapsed")
    else:  # the party joined first: the proposal did not ask it, so it lapsed
        assert status == "lapsed" and isinstance(outcome[0], RuleViolation)
        assert _partnership(two_parties).name == "Alpha–Beta Alliance" and not events("proposal.applied")


def test_two_admins_of_different_parties_proposing_at_once_open_one_proposal(app, two_parties):
    pid = two_parties.partnership.id

    def proposer(user_id, name):
        def work():
            partnership = db.session.get(Partnership, pid)
            return profile.propose_changes(_member(pid, user_id), details(partnership, name=name)).id
        return work

    outcome = _at_once(app, proposer(two_parties.a.admin.id, "From Alpha"),
                       proposer(two_parties.b.admin.id, "From Beta"))
    assert sum(isinstance(o, int) for o in outcome) == 1, outcome
    assert sum(isinstance(o, RuleViolation) and o.status == 409 for o in outcome) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal).where(Proposal.status == "open")) == 1
