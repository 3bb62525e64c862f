"""On PostgreSQL, the last agreement to withdraw a version and the last signature at once:
exactly one wins (the version is withdrawn, or signed and the withdrawal lapses)."""

import threading

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.consent import services as consent
from app.consent.models import Proposal
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_versions import services, withdrawal
from app.plan_versions.models import PlanSignature, PlanVersion
from app.rules import RuleViolation
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.postgres_only


def _at_once(app, *works) -> list:
    barrier, outcome = threading.Barrier(len(works)), [None] * len(works)

    def run(n, work):
        with app.app_context():
            try:
                barrier.wait(5)
                outcome[n] = work()
                db.session.commit()
            except RuleViolation as violation:
                db.session.rollback()
                outcome[n] = violation
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, work)) for n, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.expire_all()
    return outcome


@pytest.mark.parametrize("run", range(4))
def test_the_last_agreement_and_the_last_signature_at_once_one_wins(app, versions, run):
    version = versions.issue()
    versions.sign(version, versions.people.a.admin)
    proposal = withdrawal.propose_withdrawal(versions.member(versions.people.a.admin), version, "Wrong terms.")
    db.session.commit()
    pid, version_id, proposal_id, bob = versions.partnership.id, version.id, proposal.id, versions.people.b.admin.id

    def member():
        return load_membership(pid, db.session.get(User, bob))

    def agree():
        return consent.respond(member(), db.session.get(Proposal, proposal_id), "agree").status

    def sign():
        request = services.SigningRequest(password=PASSWORD, typed_name="Bob Admin", confirmed=True)
        return services.sign_version(member(), db.session.get(PlanVersion, version_id), request).id

    works = (agree, sign) if run % 2 else (sign, agree)
    outcome = _at_once(app, *works)
    version = db.session.get(PlanVersion, version_id)
    proposal = db.session.get(Proposal, proposal_id)
    signatures = db.session.scalar(sa.select(sa.func.count()).select_from(PlanSignature)
                                   .where(PlanSignature.version_id == version_id))
    if version.status == "withdrawn":
        assert proposal.status == "agreed" and signatures == 1
        assert any(isinstance(o, RuleViolation) and "can no longer be signed" in o.message for o in outcome)
    else:
        assert version.status == "signed" and signatures == 2
        assert proposal.status == "lapsed" and version.closed_at is None
