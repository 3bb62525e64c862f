"""The portfolio's "Signed baseline" column: each plan's baseline version, when every party
signed it, and how many sections changed since; and the version out for signature with its
deadline. Two queries for any number of partnerships."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.extensions import db
from app.plan_sections.models import PlanSection
from app.plan_versions.models import PlanVersion
from app.types import utcnow


@dataclass(frozen=True)
class Awaiting:
    version_id: int
    label: str
    sign_by: date | None
    overdue: bool


@dataclass(frozen=True)
class BaselineCell:
    version_id: int | None
    label: str | None
    signed_at: datetime | None
    changed_sections: int
    awaiting: Awaiting | None = None

    @property
    def sort_value(self) -> float:
        return self.signed_at.timestamp() if self.signed_at is not None else 0.0


def signed_baselines(partnership_ids: list[int]) -> dict[int, BaselineCell]:
    rows = db.session.execute(
        sa.select(PlanVersion.partnership_id, PlanVersion.id, PlanVersion.major, PlanVersion.minor,
                  PlanVersion.status, PlanVersion.signed_at, PlanVersion.sign_by, PlanVersion.revision_ids)
        .where(PlanVersion.partnership_id.in_(partnership_ids), PlanVersion.status.in_(("signed", "awaiting")))
        .order_by(PlanVersion.signed_at, PlanVersion.id)
    ).all()
    today = utcnow().date()
    # The last signed one per partnership wins; at most one awaits signatures.
    latest = {row.partnership_id: row for row in rows if row.status == "signed"}
    awaiting = {
        row.partnership_id: Awaiting(row.id, f"v{row.major}.{row.minor}", row.sign_by,
                                     row.sign_by is not None and today > row.sign_by)
        for row in rows if row.status == "awaiting"
    }
    cells = {partnership_id: BaselineCell(None, None, None, 0, waiting) for partnership_id, waiting in awaiting.items()}
    if not latest:
        return cells
    current: dict[int, dict[str, int]] = {}
    for partnership_id, key, revision_id in db.session.execute(
        sa.select(PlanSection.partnership_id, PlanSection.section_key, PlanSection.current_revision_id)
        .where(PlanSection.partnership_id.in_(list(latest)), PlanSection.current_revision_id.is_not(None))
    ):
        current.setdefault(partnership_id, {})[key] = revision_id
    for partnership_id, row in latest.items():
        now = current.get(partnership_id, {})
        frozen = row.revision_ids or {}
        changed = sum(1 for key in set(now) | set(frozen) if now.get(key) != frozen.get(key))
        cells[partnership_id] = BaselineCell(row.id, f"v{row.major}.{row.minor}", row.signed_at, changed,
                                             awaiting.get(partnership_id))
    return cells
