"""Agreed section changes at the same moment on PostgreSQL: two proposals for one section, and an
agreement racing a direct save. Each ends in exactly one consistent outcome, and nothing is lost."""

import copy
import threading

import pytest
import sqlalchemy as sa

from app.coediting import saving
from app.coediting.models import EditConflict
from app.consent import services as consent
from app.consent.models import Proposal
from app.extensions import db
from app.partnerships.models import Membership
from app.plan_sections import reading
from app.plan_sections.models import SectionRevision
from tests.support.plans import narrative, switch_agreed_sections

KEY = "risk_assessment"

pytestmark = pytest.mark.postgres_only


def _run(app, jobs: dict):
    """Run each job(name) in its own thread and session, all released at once; {name: result or error}."""
    barrier = threading.Barrier(len(jobs))
    results = {}

    def run(name, job):
        with app.app_context():
            try:
                barrier.wait(10)
                results[name] = job()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - compared by the test
                db.session.rollback()
                results[name] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    return results


def _member(partnership_id, user_id):
    return db.session.scalar(sa.select(Membership).where(
        Membership.partnership_id == partnership_id, Membership.user_id == user_id))


def _save(partnership_id, user_id, content, base_id, note):
    def job():
        section = reading.section_for(partnership_id, KEY)
        return saving.save_edit(_member(partnership_id, user_id), section, content, base_id, note).status
    return job


def _revisions(section_id):
    return list(db.session.scalars(sa.select(SectionRevision).where(SectionRevision.section_id == section_id)
                                   .order_by(SectionRevision.number)))


def test_two_changes_proposed_at_once_for_one_section_make_exactly_one_proposal(app, agreed):
    section = agreed.section(KEY)
    base = section.current_revision
    pid = agreed.partnership.id
    jobs = {}
    for name, user in (("eve", agreed.people.a.editor), ("ed", agreed.people.b.editor)):
        content = copy.deepcopy(base.content)
        content["narrative"] = f"Rewritten by {name}."
        jobs[name] = _save(pid, user.id, content, base.id, f"by {name}")
    results = _run(app, jobs)

    made = [name for name, result in results.items() if result == "proposed"]
    refused = [result for result in results.values() if isinstance(result, consent.ConsentError)]
    assert len(made) == 1 and len(refused) == 1 and refused[0].status == 409, results
    proposals = list(db.session.scalars(sa.select(Proposal).where(Proposal.kind == "section_change")))
    assert len(proposals) == 1 and proposals[0].payload["note"] == f"by {made[0]}"
    assert [r.id for r in _revisions(section.id)] == [base.id]  # nothing saved before anyone agreed


@pytest.mark.parametrize("overlap", [False, True], ids=["apart", "overlapping"])
def test_an_agreement_racing_a_direct_save_ends_consistently_and_loses_nothing(app, agreed, overlap):
    section = agreed.section(KEY)
    base = section.current_revision
    proposal = agreed.propose_edit(agreed.people.a.editor, KEY, narrative("Agreed words."), "Agreed").proposal
    # The partnership switches agreed sections off while the change waits: the section saves directly
    # again, and the waiting change is still made if agreed.
    switch_agreed_sections(agreed, on=False)
    direct = copy.deepcopy(base.content)
    if overlap:
        direct["narrative"] = "Direct words."
    else:
        direct["items"]["risks"][0]["mitigation"] = "Direct mitigation"
    pid, proposal_id = agreed.partnership.id, proposal.id

    def agree():
        found = db.session.get(Proposal, proposal_id)
        return consent.respond(_member(pid, agreed.people.b.admin.id), found, "agree").status

    results = _run(app, {"agree": agree, "direct": _save(pid, agreed.people.b.editor.id, direct, base.id, "Direct")})

    assert not any(isinstance(r, Exception) for r in results.values()), results
    proposal = db.session.get(Proposal, proposal_id)
    revisions = _revisions(section.id)
    section = agreed.section(KEY)
    conflicts = list(db.session.scalars(sa.select(EditConflict).where(EditConflict.section_id == section.id)))
    assert [r.number for r in revisions] == list(range(1, len(revisions) + 1))
    assert section.current_revision_id == revisions[-1].id and section.revision_count == len(revisions)
    final = revisions[-1].content
    if not overlap:
        # Whichever came first, the other merged: both changes are in the section.
        assert results == {"agree": "agreed", "direct": results["direct"]}
        assert results["direct"] in ("saved", "merged")
        assert len(revisions) == base.number + 2 and not conflicts
        assert final["narrative"] == "Agreed words."
        assert final["items"]["risks"][0]["mitigation"] == "Direct mitigation"
    elif results["direct"] == "saved":
        # The direct save won: the agreed change now overlaps, so it lapsed (its words stay in the proposal).
        assert proposal.status == "lapsed" and "changed since" in proposal.outcome
        assert len(revisions) == base.number + 1 and final["narrative"] == "Direct words."
        assert proposal.payload["content"]["narrative"] == "Agreed words." and not conflicts
    else:
        # The agreement won: the direct save overlapped it and is kept for its author to resolve.
        assert results["direct"] == "conflict" and proposal.status == "agreed"
        assert len(revisions) == base.number + 1 and final["narrative"] == "Agreed words."
        assert len(conflicts) == 1 and conflicts[0].attempted_content["narrative"] == "Direct words."
