"""A business case with the test measures and dated objectives (one per party): the promise
ledger's objective source."""

from datetime import date

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading, writing
from tests.support import review_cycle as rc

TARGET_A = date(2026, 3, 31)
TARGET_B = date(2026, 6, 30)


def objective(title: str, owner: int, target: date | None) -> dict:
    return {"title": title, "description": None, "owner_party": owner,
            "target_date": target.isoformat() if target else None, "status": "on_track"}


def write_objectives(two_parties) -> None:
    """The business case with the test measures and the objectives (a cycle's set-up writes the
    measures alone: write this again after it)."""
    partnership = two_parties.partnership
    a, b = (p.id for p in partnership.parties)
    content = rc.measures_content(a, b)
    content["items"]["objectives"] = [
        objective("Cut dock-to-stock time to 24 hours", a, TARGET_A),
        objective("Share the forecast weekly", b, TARGET_B),
        objective("Someday, maybe", a, None),
    ]
    section = reading.section_for(partnership.id, "business_case")
    writing.save_section(load_membership(partnership.id, two_parties.a.admin), section, content,
                         section.current_revision_id)
    db.session.commit()
