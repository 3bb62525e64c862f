"""The portfolio's "Signed baseline" column: each plan's baseline version, when every party
signed it, and how many sections changed since. Two queries for any number of partnerships."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.plan_sections.models import PlanSection
from app.plan_versions.models import PlanVersion


@dataclass(frozen=True)
class BaselineCell:
    version_id: int
    label: str
    signed_at: datetime
    changed_sections: int

    @property
    def sort_value(self) -> float:
        return self.signed_at.timestamp()


def signed_baselines(partnership_ids: list[int]) -> dict[int, BaselineCell]:
    rows = db.session.execute(
        sa.select(PlanVersion.partnership_id, PlanVersion.id, PlanVersion.major, PlanVersion.minor,
                  PlanVersion.signed_at, PlanVersion.revision_ids)
        .where(PlanVersion.partnership_id.in_(partnership_ids), PlanVersion.status == "signed")
        .order_by(PlanVersion.signed_at, PlanVersion.id)
    ).all()
    latest = {row.partnership_id: row for row in rows}  # the last one per partnership wins
    if not latest:
        return {}
    current: dict[int, dict[str, int]] = {}
    for partnership_id, key, revision_id in db.session.execute(
        sa.select(PlanSection.partnership_id, PlanSection.section_key, PlanSection.current_revision_id)
        .where(PlanSection.partnership_id.in_(list(latest)), PlanSection.current_revision_id.is_not(None))
    ):
        current.setdefault(partnership_id, {})[key] = revision_id
    cells = {}
    for partnership_id, row in latest.items():
        now = current.get(partnership_id, {})
        frozen = row.revision_ids or {}
        changed = sum(1 for key in set(now) | set(frozen) if now.get(key) != frozen.get(key))
        cells[partnership_id] = BaselineCell(row.id, f"v{row.major}.{row.minor}", row.signed_at, changed)
    return cells
