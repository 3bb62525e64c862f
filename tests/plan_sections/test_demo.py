"""The demo partnership's plan is written, by people of both parties, with history."""

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Partnership
from app.plan_sections import progress, reading
from app.plan_sections.models import SectionReview, SectionRevision


def test_the_demo_fills_every_section_with_revisions_by_both_parties(demo):
    partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id))
    plan = progress.plan_overview(partnership)
    assert all(s.is_started for s in plan.sections)
    assert 90 <= plan.percent < 100  # nearly complete, as a living plan is
    assert len(plan.stale) == 2  # and a couple of sections are due a look
    risks = plan.sections[3].content["items"]["risks"]
    assert 8 <= len(risks) <= 12
    assert len(plan.sections[2].content["items"]["assets"]) == 12
    assert len(reading.performance_measures(partnership.id)) == 5
    assert plan.sections[9].content["items"]["triggers"]
    authors = db.session.execute(sa.select(SectionRevision.author_party_id).distinct()).scalars().all()
    assert len(authors) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionRevision)) >= 15
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionReview)) >= 5
