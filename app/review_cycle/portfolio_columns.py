"""The review cycle's columns on the portfolio dashboard: health index with its trend, the
largest perception gap, open and overdue actions, and the next
review due. All of them come from two queries for the whole portfolio (once per request):
cycles with their revealed assessments, and actions; partnerships and parties the dashboard
has loaded already are taken from the session (one more query when they are not).

Only revealed cycles feed the health and gap columns: nothing blind reaches the dashboard.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.partnerships.models import Partnership, Party
from app.partnerships.parties import record_parties
from app.review_cycle import charts, periods, results
from app.review_cycle.cycles import stage_due_dates
from app.review_cycle.maturity import overall_level
from app.review_cycle.maturity_scale import level_name
from app.review_cycle.models import CLOSED, Assessment, ImprovementAction, ReviewCycle
from app.types import utcnow


@dataclass(frozen=True)
class Health:
    index: int
    period: str
    trend: tuple[int, ...]
    gap: "Gap | None" = None

    @property
    def sparkline(self):
        return charts.sparkline(list(self.trend), label=f"Health index over {len(self.trend)} cycles")


@dataclass(frozen=True)
class Gap:
    gap: int
    dimension: str
    period: str

    @property
    def flagged(self) -> bool:
        return self.gap >= results.GAP_FLAG



@dataclass(frozen=True)
class Actions:
    open: int
    overdue: int


@dataclass(frozen=True)
class NextReview:
    due: date
    what: str
    overdue: bool


@dataclass(frozen=True)
class Reviews:
    """Open and overdue actions, and the next review due: one column."""

    actions: Actions | None
    next: NextReview

    @property
    def sort_value(self) -> tuple:
        overdue = self.actions.overdue if self.actions else 0
        return (-overdue, self.next.due.toordinal())


@dataclass
class Loaded:
    cycles: dict[int, list[ReviewCycle]]  # the quarterly reviews
    maturity: dict[int, list[ReviewCycle]]  # the maturity assessments
    assessments: dict[int, list[Assessment]]
    actions: dict[int, list[ImprovementAction]]
    parties: dict[int, list[Party]]
    partnerships: dict[int, Partnership]


def _load(partnership_ids: list[int]) -> Loaded:
    key = tuple(sorted(partnership_ids))
    cache = g.setdefault("review_cycle_metrics", {}) if has_request_context() else {}
    if key in cache:
        return cache[key]
    cycles, maturity_cycles, assessments, seen = defaultdict(list), defaultdict(list), defaultdict(list), set()
    # Assessments come along only for revealed cycles: nothing blind is even loaded here. Both
    # kinds in one query: the maturity assessments feed their own column only.
    for cycle, assessment in db.session.execute(
        sa.select(ReviewCycle, Assessment)
        .outerjoin(Assessment, sa.and_(Assessment.cycle_id == ReviewCycle.id, ReviewCycle.revealed_at.is_not(None),
                                       Assessment.submitted_at.is_not(None)))
        .where(ReviewCycle.partnership_id.in_(partnership_ids))
        .order_by(ReviewCycle.period, Assessment.party_id)
    ):
        if cycle.id not in seen:
            seen.add(cycle.id)
            (maturity_cycles if cycle.is_maturity else cycles)[cycle.partnership_id].append(cycle)
        if assessment is not None:
            assessments[cycle.id].append(assessment)
    actions = defaultdict(list)
    for action in db.session.scalars(
        sa.select(ImprovementAction).where(ImprovementAction.partnership_id.in_(partnership_ids))
    ):
        actions[action.partnership_id].append(action)
    partnerships = _partnerships(partnership_ids)
    parties = {pid: list(p.parties) for pid, p in partnerships.items()}
    loaded = Loaded(cycles, maturity_cycles, assessments, actions, parties, partnerships)
    cache[key] = loaded
    return loaded


def _partnerships(partnership_ids: list[int]) -> dict[int, Partnership]:
    """The partnerships with their parties: from the session when the page loaded them already."""
    found = {}
    for pid in partnership_ids:
        partnership = db.session.identity_map.get(identity_key(Partnership, pid))
        if partnership is not None and "parties" not in sa.inspect(partnership).unloaded:
            found[pid] = partnership
    missing = [pid for pid in partnership_ids if pid not in found]
    if missing:
        for partnership in db.session.scalars(
            sa.select(Partnership).where(Partnership.id.in_(missing))
            .options(selectinload(Partnership.parties).joinedload(Party.organisation))
        ):
            found[partnership.id] = partnership
    return found


def health(partnership_ids: list[int]) -> dict[int, Health]:
    """The latest health index with its trend and the largest perception gap of that cycle."""
    data, found, gaps = _load(partnership_ids), {}, largest_gap(partnership_ids)
    for pid, cycles in data.cycles.items():
        series = [(c, results.health_index(data.assessments[c.id])) for c in cycles if c.revealed_at is not None]
        series = [(c, i) for c, i in series if i is not None]
        if series:
            found[pid] = Health(series[-1][1], series[-1][0].period, tuple(i for _c, i in series[-8:]), gaps.get(pid))
    return found


def largest_gap(partnership_ids: list[int]) -> dict[int, Gap]:
    data, found = _load(partnership_ids), {}
    for pid, cycles in data.cycles.items():
        latest = next((c for c in reversed(cycles) if c.revealed_at is not None), None)
        if latest is None:
            continue
        rows = results.dimension_results(latest, {a.party_id: a for a in data.assessments[latest.id]})
        gapped = [r for r in rows if r.gap is not None]
        if gapped:
            top = max(gapped, key=lambda r: r.gap)
            found[pid] = Gap(top.gap, top.name, latest.period)
    return found


def open_actions(partnership_ids: list[int]) -> dict[int, Actions]:
    data, found, today = _load(partnership_ids), {}, utcnow().date()
    for pid, actions in data.actions.items():
        live = [a for a in actions if a.is_live]
        found[pid] = Actions(len(live), sum(1 for a in live if a.is_overdue(today)))
    return found


def next_review(partnership_ids: list[int]) -> dict[int, NextReview]:
    data, found, today = _load(partnership_ids), {}, utcnow().date()
    for pid, partnership in data.partnerships.items():
        cycles = data.cycles.get(pid, [])
        current = next((c for c in cycles if c.stage != CLOSED), None)
        months = partnership.review_cadence_months
        if current is not None:
            due = stage_due_dates(current)[current.stage]
            what = f"{current.period}: {current.stage_label}"
        else:
            latest = cycles[-1].period if cycles else None
            period = (periods.next_period(latest, months) if latest and periods.period_bounds(latest, months)
                      else periods.period_of(today, months))
            due = periods.period_bounds(period, months)[1]
            what = f"{period} review"
        found[pid] = NextReview(due, what, due < today)
    return found


def reviews(partnership_ids: list[int]) -> dict[int, Reviews]:
    actions = open_actions(partnership_ids)
    return {pid: Reviews(actions.get(pid), due) for pid, due in next_review(partnership_ids).items()}


@dataclass(frozen=True)
class Maturity:
    """The latest revealed maturity assessment: joint level, each party's, and the trend."""

    overall: float
    level: str
    period: str
    trend: tuple[float, ...]
    by_party: tuple[tuple[str, float | None], ...]
    under_way: str | None  # the period of an assessment still blind, if one is

    @property
    def sparkline(self):
        return charts.sparkline(list(self.trend), label=f"Joint maturity over {len(self.trend)} assessments",
                                scale=(1, 5))


def maturity(partnership_ids: list[int]) -> dict[int, Maturity]:
    """The maturity column, from the cycles the other columns load (an assessment still blind
    contributes nothing but its period)."""
    data = _load(partnership_ids)
    by_cycle, found_cycles = data.assessments, data.maturity
    found = {}
    for pid, cycles in found_cycles.items():
        series = [(c, overall_level(by_cycle[c.id])) for c in cycles if c.revealed_at is not None]
        series = [(c, value) for c, value in series if value is not None]
        blind = next((c.period for c in cycles if c.revealed_at is None and c.stage != CLOSED), None)
        if not series:
            continue
        latest, value = series[-1]
        names = {party.id: party.name for party in record_parties(latest.parties)}
        by_party = tuple((names.get(a.party_id, "A former party"), overall_level([a])) for a in by_cycle[latest.id])
        found[pid] = Maturity(value, level_name(value), latest.period, tuple(v for _c, v in series[-8:]), by_party,
                              blind)
    return found
