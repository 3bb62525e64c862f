"""A partnership with measures and two objectives (one per party, with target dates) in its
business case: the promise ledger's sources."""

from datetime import date

import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from tests.support.review_cycle import measures_content

TARGET_A = date(2026, 3, 31)
TARGET_B = date(2026, 6, 30)


def objective(title: str, owner: int, target: date | None) -> dict:
    return {"title": title, "description": None, "owner_party": owner,
            "target_date": target.isoformat() if target else None, "status": "on_track"}


@pytest.fixture
def world(two_parties):
    partnership = two_parties.partnership
    a, b = (p.id for p in partnership.parties)
    content = measures_content(a, b)
    content["items"]["objectives"] = [
        objective("Cut dock-to-stock time to 24 hours", a, TARGET_A),
        objective("Share the forecast weekly", b, TARGET_B),
        objective("Someday, maybe", a, None),
    ]
    section = reading.section_for(partnership.id, "business_case")
    writing.save_section(load_membership(partnership.id, two_parties.a.admin), section, content,
                         section.current_revision_id)
    db.session.commit()
    return two_parties
