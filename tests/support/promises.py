"""Plan content the promise ledger reads: a business case with the test measures and dated
objectives (one per party), governance bodies and forums that hold meetings, and an escalation
ladder."""

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


RIGHTS = "Approves changes to scope, pricing and contract term; signs plan versions\n- resolves level-3 escalations."


def _write(two_parties, key: str, items: dict) -> None:
    section = reading.section_for(two_parties.partnership.id, key)
    writing.save_section(load_membership(two_parties.partnership.id, two_parties.a.admin), section,
                         {"narrative": "How we run it.", "items": items}, section.current_revision_id)
    db.session.commit()


def write_bodies(two_parties) -> None:
    """Two governance bodies (the steering committee, also a forum Beta runs, and the operations
    board, which no party runs), a weekly call Alpha runs, and a newsletter (no meeting)."""
    a, b = (p.id for p in two_parties.partnership.parties)
    _write(two_parties, "organisational_arrangements", {
        "people": [], "escalation_levels": [],
        "governance_bodies": [
            {"name": "Executive steering committee", "frequency": "quarterly", "purpose": None,
             "members": "Sponsors", "decision_rights": RIGHTS},
            {"name": "Joint operations board", "frequency": "monthly", "purpose": None, "members": None,
             "decision_rights": "Agrees operational changes within the approved budget"},
        ]})
    _write(two_parties, "communications", {"channels": [
        {"name": "Executive steering committee", "format": "in_person", "frequency": "quarterly", "owner": b,
         "participants": None, "purpose": None},
        {"name": "Weekly performance call", "format": "video", "frequency": "weekly", "owner": a,
         "participants": None, "purpose": None},
        {"name": "Alliance newsletter", "format": "newsletter", "frequency": "quarterly", "owner": b,
         "participants": None, "purpose": None},
    ]})


def write_ladder(world, levels=None):
    """Three levels: operational (2 days), management (5 days), executive (no time to resolve)."""
    a, b = world.a.party.id, world.b.party.id
    section = reading.section_for(world.partnership.id, "organisational_arrangements")
    writing.save_section(load_membership(world.partnership.id, world.a.admin), section, {
        "narrative": "Who does what.",
        "items": {"people": [], "governance_bodies": [], "escalation_levels": levels or [
            {"level": 1, "name": "Operational", "resolve_days": 2, "who": {str(a): "Shift lead", str(b): "Planner"}},
            {"level": 2, "name": "Management", "resolve_days": 5,
             "who": {str(a): "Ops director", str(b): "Plant manager"}},
            {"level": 3, "name": "Executive", "resolve_days": None, "who": {str(a): "COO", str(b): "VP operations"}},
        ]}}, section.current_revision_id)
    db.session.commit()
