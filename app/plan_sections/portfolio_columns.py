"""The plan's columns on the portfolio dashboard: completeness and stale sections, and the
highest open risks. Each loads every listed partnership's plan in two queries."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.partnerships.models import Partnership
from app.plan_sections.models import PlanSection
from app.plan_sections.progress import PlanOverview, section_state
from app.plan_sections.registry import section_types
from app.plan_sections.types.risk import rating_of, score_of
from app.types import utcnow


def plan_overviews(partnership_ids: list[int]) -> dict[int, PlanOverview]:
    """Every listed partnership's plan overview: one query for the partnerships, one for
    all their sections with current revisions (once per request, shared by the columns)."""
    key = tuple(sorted(partnership_ids))
    cache = g.setdefault("plan_overviews", {}) if has_request_context() else {}
    if key not in cache:
        cache[key] = _load_overviews(partnership_ids)
    return cache[key]


def _load_overviews(partnership_ids: list[int]) -> dict[int, PlanOverview]:
    partnerships = db.session.scalars(sa.select(Partnership).where(Partnership.id.in_(partnership_ids))).all()
    rows: dict[int, dict[str, PlanSection]] = {p.id: {} for p in partnerships}
    sections = db.session.scalars(
        sa.select(PlanSection)
        .where(PlanSection.partnership_id.in_(partnership_ids))
        .options(joinedload(PlanSection.current_revision))
    ).unique()
    for section in sections:
        rows[section.partnership_id][section.section_key] = section
    now = utcnow()
    return {
        p.id: PlanOverview([section_state(t, rows[p.id].get(t.key), p, now) for t in section_types()])
        for p in partnerships
    }


@dataclass(frozen=True)
class PlanHealth:
    percent: int
    stale: int
    not_started: int

    @property
    def sort_value(self) -> tuple:
        return (self.percent, -self.stale)


def plan_health(partnership_ids: list[int]) -> dict[int, PlanHealth]:
    return {
        pid: PlanHealth(plan.percent, len(plan.stale), len(plan.not_started))
        for pid, plan in plan_overviews(partnership_ids).items()
    }


@dataclass(frozen=True)
class TopRisk:
    score: int
    rating: str
    rating_label: str
    title: str
    open_count: int


def top_risks(partnership_ids: list[int]) -> dict[int, TopRisk | None]:
    """Each plan's highest-scoring open risk (closed risks left out) and how many are open."""
    result = {}
    for pid, plan in plan_overviews(partnership_ids).items():
        state = next(s for s in plan.sections if s.key == "risk_assessment")
        live = [r for r in state.content["items"]["risks"] if r["status"] != "closed"]
        scored = [r for r in live if score_of(r) is not None]
        if not scored:
            result[pid] = None
            continue
        top = max(scored, key=lambda r: (score_of(r), r["title"]))
        rating, label = rating_of(score_of(top))
        result[pid] = TopRisk(score_of(top), rating, label, top["title"], len(live))
    return result
