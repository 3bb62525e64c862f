"""Concurrent writers on PostgreSQL: nobody's save is lost or silently overwritten."""

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Membership
from app.plan_sections import reading, writing
from app.plan_sections.models import PlanSection, SectionRevision
from tests.support.databases import wait_until_blocked
from tests.support.plans import risks_content

pytestmark = pytest.mark.postgres_only


def _membership(user_id: int, partnership_id: int) -> Membership:
    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user_id, Membership.partnership_id == partnership_id)
    )


def test_two_saves_from_the_same_base_one_wins_the_other_is_told(app, plan):
    base = plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Port strike"))
    partnership_id, base_id = plan.partnership.id, base.id
    a_user, b_user = plan.people.a.editor.id, plan.people.b.editor.id
    content_a, content_b = risks_content(plan, "From A"), risks_content(plan, "From B")
    first_holds_lock, outcome = threading.Event(), {}

    def first():
        with app.app_context():
            section = reading.section_for(partnership_id, "risk_assessment")
            membership = _membership(a_user, partnership_id)
            outcome["a"] = writing.save_section(membership, section, content_a, base_id).number
            first_holds_lock.set()
            outcome["b waited"] = wait_until_blocked(db.engine)  # the second writer waits on this row
            db.session.commit()

    def second():
        with app.app_context():
            section = reading.section_for(partnership_id, "risk_assessment")  # read before A commits
            first_holds_lock.wait(5)
            try:
                writing.save_section(_membership(b_user, partnership_id), section, content_b, base_id)
                db.session.commit()
                outcome["b"] = "saved"
            except writing.StaleRevision as stale:
                db.session.rollback()
                outcome["b"] = stale.current.number

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcome == {"a": 2, "b waited": True, "b": 2}  # B waited, then learnt that A's revision 2 is current
    db.session.expire_all()
    numbers = db.session.scalars(sa.select(SectionRevision.number).order_by(SectionRevision.number)).all()
    assert numbers == [1, 2]


def test_many_concurrent_savers_get_gapless_numbers_and_no_lost_update(app, plan):
    plan.save(plan.people.a.editor, "risk_assessment", risks_content(plan, "Start"))
    partnership_id, user_id = plan.partnership.id, plan.people.a.editor.id
    saved, stale, barrier = [], [], threading.Barrier(6)

    def writer(n: int):
        with app.app_context():
            for attempt in range(20):
                section = reading.section_for(partnership_id, "risk_assessment")
                content = risks_content_for(n, attempt)
                if attempt == 0:
                    barrier.wait(5)
                try:
                    revision = writing.save_section(
                        _membership(user_id, partnership_id), section, content, section.current_revision_id
                    )
                    db.session.commit()
                    saved.append(revision.number)
                    return
                except writing.StaleRevision:
                    db.session.rollback()
                    stale.append(n)

    def risks_content_for(n, attempt):
        return {"narrative": f"Writer {n}, attempt {attempt}", "items": {"risks": []}}

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(saved) == [2, 3, 4, 5, 6, 7]
    db.session.expire_all()
    section = db.session.scalar(sa.select(PlanSection).where(PlanSection.section_key == "risk_assessment"))
    assert section.revision_count == 7
    assert section.current_revision.number == 7


def test_sections_are_created_once_when_two_requests_race(app, plan):
    partnership_id, barrier, errors = plan.partnership.id, threading.Barrier(2), []

    def create():
        with app.app_context():
            barrier.wait(5)
            try:
                reading.ensure_sections(partnership_id)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the assertion below reports it
                errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanSection)) == 10
