"""Concurrent clicks on PostgreSQL: one open cycle, one reveal, one advance, one submission per party."""

import threading

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.extensions import db
from app.partnerships.access import load_membership
from app.review_cycle import assessments, cycles, stages
from app.review_cycle.models import Assessment, ReviewCycle
from app.rules import RuleViolation
from tests.support.review_cycle import assessment_input, open_cycle, submit

pytestmark = pytest.mark.postgres_only


def _at_once(app, work, *args_list) -> list:
    """Run work(*args) for each args in threads that start together; each result or exception."""
    barrier, outcome = threading.Barrier(len(args_list)), [None] * len(args_list)

    def run(n, args):
        with app.app_context():
            try:
                barrier.wait(5)
                outcome[n] = work(*args)
                db.session.commit()
            except RuleViolation as violation:
                db.session.rollback()
                outcome[n] = violation
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, args)) for n, args in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    db.session.expire_all()
    return outcome


def _member(partnership_id: int, user_id: int):
    return load_membership(partnership_id, db.session.get(User, user_id))


def _events(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_two_admins_opening_at_once_open_one_cycle(app, world):
    pid, a, b = world.partnership.id, world.a.admin.id, world.b.admin.id

    def opener(user_id, period):
        return cycles.open_cycle(_member(pid, user_id), period).id

    outcome = _at_once(app, opener, (a, "2026-Q1"), (b, "2026-Q2"))
    assert sum(isinstance(o, int) for o in outcome) == 1
    assert sum(isinstance(o, RuleViolation) for o in outcome) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCycle)) == 1


def test_the_last_two_parties_submitting_at_once_reveal_once(app, world):
    cycle = open_cycle(world.partnership, world.a.admin)
    pid, cycle_id = world.partnership.id, cycle.id
    given = {world.a.party.id: assessment_input(cycle, world.a.party.id, 4),
             world.b.party.id: assessment_input(cycle, world.b.party.id, 3)}

    def submitter(user_id):
        member = _member(pid, user_id)
        return assessments.submit(member, db.session.get(ReviewCycle, cycle_id), given[member.party_id]).id

    outcome = _at_once(app, submitter, (world.a.editor.id,), (world.b.editor.id,))
    assert all(isinstance(o, int) for o in outcome)
    assert db.session.get(ReviewCycle, cycle_id).revealed_at is not None
    assert _events("review.revealed") == 1


def test_two_editors_of_one_party_submitting_at_once_submit_once(app, world):
    cycle = open_cycle(world.partnership, world.a.admin)
    pid, cycle_id = world.partnership.id, cycle.id
    given = assessment_input(cycle, world.a.party.id, 4)

    def submitter(user_id):
        return assessments.submit(_member(pid, user_id), db.session.get(ReviewCycle, cycle_id), given).id

    outcome = _at_once(app, submitter, (world.a.editor.id,), (world.a.admin.id,))
    assert sum(isinstance(o, int) for o in outcome) == 1
    assert "already submitted" in next(o for o in outcome if isinstance(o, RuleViolation)).message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1
    assert _events("review.submitted") == 1


def test_two_admins_agreeing_at_once_advance_exactly_once(app, world):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor)
    submit(cycle, world.b.editor)
    pid, cycle_id = world.partnership.id, cycle.id

    def agreer(user_id, stage):
        return stages.agree(_member(pid, user_id), db.session.get(ReviewCycle, cycle_id), stage)

    for stage in ("review", "adapt", "improve"):  # whichever commits second sees the first's agreement
        outcome = _at_once(app, agreer, (world.a.admin.id, stage), (world.b.admin.id, stage))
        assert sorted(outcome) == [False, True], outcome
    assert db.session.get(ReviewCycle, cycle_id).stage == "operate"
    assert _events("review.stage_advanced") == 3


@pytest.mark.parametrize("run", range(4))
def test_a_correction_agreed_as_the_last_party_submits_ends_consistently(app, world, run):
    """Beta agrees to reopen Alpha's assessment while Beta's editor submits the last review:
    either the reveal comes first (and Alpha's original is what every party reads while it
    corrects) or the reopening does (and nothing is revealed). Never Alpha's draft."""
    from app.consent import services as consent
    from app.consent.models import Proposal
    from app.review_cycle import corrections

    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 4, comment="ALPHAORIGINAL")
    proposal = corrections.propose_correction(_member(world.partnership.id, world.a.admin.id), cycle, "Typo.")
    db.session.commit()
    pid, cycle_id, proposal_id = world.partnership.id, cycle.id, proposal.id
    given = assessment_input(cycle, world.b.party.id, 3)

    def agree():
        return consent.respond(_member(pid, world.b.admin.id), db.session.get(Proposal, proposal_id), "agree").status

    def last_submission():
        return assessments.submit(_member(pid, world.b.editor.id), db.session.get(ReviewCycle, cycle_id), given).id

    works = (agree, last_submission) if run % 2 else (last_submission, agree)
    outcome = _at_once(app, lambda work: work(), *[(work,) for work in works])
    assert not any(isinstance(o, Exception) or o is None for o in outcome), outcome
    cycle = db.session.get(ReviewCycle, cycle_id)
    assert db.session.get(Proposal, proposal_id).status == "agreed"
    alpha = assessments.own_assessment(cycle, world.a.party.id)
    assert alpha.submitted_at is None and len(alpha.submissions) == 1
    assert _events("review.revealed") == (1 if cycle.revealed_at is not None else 0)
    seen = assessments.visible_assessments(cycle, _member(pid, world.b.viewer.id))
    if cycle.revealed_at is not None:
        assert "ALPHAORIGINAL" in str(seen[world.a.party.id].scores)
    else:
        assert world.a.party.id not in seen
