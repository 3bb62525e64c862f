"""The joint maturity assessment: the review cycle's blind engine (assessments, the reveal,
stage gates, improvement actions) run on the maturity dimensions of maturity_scale.py, on its
own schedule (yearly unless the parties agree otherwise), beside the quarterly reviews.

Everything here that reads another party's ratings reads revealed assessments only: the
results of one assessment through assessments.visible_assessments, the trend through
results.revealed_assessments of revealed cycles.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.downloads import csv_text
from app.extensions import db
from app.partnerships.models import Membership, Partnership
from app.review_cycle import assessments, charts, corrections, cycles, periods, results
from app.review_cycle.maturity_scale import DIMENSIONS, LEVELS, level_name
from app.review_cycle.models import ReviewCycle
from app.types import utcnow

KIND = "maturity"
SCALE = (1, 5)
TICKS = (1, 2, 3, 4, 5)
DUE_SOON_DAYS = 30  # the next assessment is "due soon" this long before its period ends


def start_assessment(membership: Membership, period: str, review_due_on: date | None = None, *,
                     at: datetime | None = None) -> ReviewCycle:
    """Start the partnership's maturity assessment for `period` (a year, or a half-year when the
    parties assess every six months). An admin's; one open at a time, whatever the reviews do."""
    return cycles.open_cycle(membership, period, review_due_on, at=at, kind=KIND)


def assessments_of(partnership_id: int) -> list[ReviewCycle]:
    """Every maturity assessment, newest first."""
    return cycles.cycles_of(partnership_id, KIND)


def one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- the schedule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Where the partnership stands with its maturity assessments."""

    open: ReviewCycle | None
    latest: ReviewCycle | None  # the latest with results
    next_period: str
    due_on: date  # the end of the next period
    overdue: bool
    due_soon: bool


def schedule(partnership: Partnership, today: date | None = None,
             loaded: list[ReviewCycle] | None = None) -> Schedule:
    """`loaded`: the partnership's cycles of both kinds (cycles.partnership_cycles), if held."""
    today = today or utcnow().date()
    months = partnership.maturity_cadence_months
    period = cycles.proposed_period(partnership, today, KIND, loaded=loaded)
    due_on = periods.period_bounds(period, months)[1]
    if loaded is not None:
        revealed = cycles.revealed_of(loaded, KIND)
        latest = revealed[-1] if revealed else None
    else:
        latest = db.session.scalar(
            sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership.id, ReviewCycle.kind == KIND,
                                         ReviewCycle.revealed_at.is_not(None))
            .order_by(ReviewCycle.period.desc()).limit(1)
        )
    return Schedule(cycles.open_cycle_of(partnership.id, KIND, loaded=loaded), latest, period, due_on,
                    due_on < today, today >= due_on - timedelta(days=DUE_SOON_DAYS))


# -- one assessment's results ---------------------------------------------------------------------


def _levels(assessment) -> list[int]:
    return [entry["score"] for entry in assessment.scores.values() if entry.get("score") is not None]


def overall_level(found: list) -> float | None:
    """The mean rating of every dimension by every party given (1.0 to 5.0)."""
    return one_decimal(results.mean([s for a in found for s in _levels(a)]))


def results_for(cycle: ReviewCycle, membership: Membership | None) -> dict | None:
    """A revealed maturity assessment as its results page and report show it (None before)."""
    if cycle.revealed_at is None:
        return None
    visible = assessments.visible_assessments(cycle, membership)
    parties = [p for p in cycles.parties_of_cycle(cycle) if p.id in visible]
    rows = results.dimension_results(cycle, visible)
    ordered = [visible[p.id] for p in parties]
    overall = overall_level(ordered)
    return {
        "parties": parties,
        "colours": {p.id: charts.party_colour(n) for n, p in enumerate(parties)},
        "assessments": visible,
        "rows": rows,
        "overall": overall,
        "overall_level": level_name(overall),
        "party_level": {a.party_id: one_decimal(results.mean(_levels(a))) for a in ordered},
        "largest_gap": max((r.gap for r in rows if r.gap is not None), default=None),
        "radar": charts.radar(
            [r.name for r in rows],
            [(p.name, charts.party_colour(n), [r.scores.get(p.id) for r in rows]) for n, p in enumerate(parties)],
            title=f"Maturity by dimension, {cycle.period}",
        ),
        "trend": trend_for(cycle.partnership_id, cycle),
        "gap_flag": results.GAP_FLAG,
        "corrections": corrections.corrections_of(cycle),
        "levels": LEVELS,
        "questions": {d.key: d.question for d in DIMENSIONS},
    }


# -- the trend over assessments -------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One revealed assessment: the joint level and each party's, overall and per dimension."""

    cycle_id: int
    period: str
    overall: float | None
    by_party: dict[int, float | None]
    dimensions: dict[str, float | None]  # dimension key -> joint mean
    dimensions_by_party: dict[str, dict[int, int | None]]


def trend(partnership_id: int, up_to: ReviewCycle | None = None,
          loaded: list[ReviewCycle] | None = None) -> list[TrendPoint]:
    """Every revealed maturity assessment, oldest first (up to and including `up_to`).
    `loaded`: the partnership's cycles (cycles.partnership_cycles), when the caller holds them."""
    if loaded is not None:
        found_cycles = cycles.revealed_of(loaded, KIND, up_to)
    else:
        query = sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.kind == KIND,
                                             ReviewCycle.revealed_at.is_not(None))
        if up_to is not None:
            query = query.where(ReviewCycle.period <= up_to.period)
        found_cycles = list(db.session.scalars(query.order_by(ReviewCycle.period)))
    found = results.revealed_assessments_of(found_cycles, loaded)
    points = []
    for cycle in found_cycles:
        rows = results.dimension_results(cycle, {a.party_id: a for a in found[cycle.id]})
        points.append(TrendPoint(
            cycle.id, cycle.period, overall_level(found[cycle.id]),
            {a.party_id: one_decimal(results.mean(_levels(a))) for a in found[cycle.id]},
            {str(r.id): one_decimal(r.mean) for r in rows},
            {str(r.id): dict(r.scores) for r in rows},
        ))
    return points


def trend_for(partnership_id: int, up_to: ReviewCycle | None = None,
              loaded: list[ReviewCycle] | None = None) -> dict:
    """The trend with its parties, its chart (joint and per party, 1 to 5) and a row per dimension."""
    points = trend(partnership_id, up_to, loaded)
    parties = cycles.parties_of_cycles(partnership_id, up_to, KIND, loaded)
    series = [("Joint maturity", "#111827", [p.overall for p in points])]
    series += [(party.name, charts.party_colour(n), [p.by_party.get(party.id) for p in points])
               for n, party in enumerate(parties)]
    chart = charts.trend_chart([p.period for p in points], series, title="Maturity over the assessments",
                               scale=SCALE, ticks=TICKS) if points else None
    dimensions = [
        {"key": d.key, "name": d.name, "joint": [p.dimensions.get(d.key) for p in points],
         "by_party": {party.id: [p.dimensions_by_party.get(d.key, {}).get(party.id) for p in points]
                      for party in parties},
         "sparkline": charts.sparkline([p.dimensions.get(d.key) for p in points], width=96, height=24,
                                       label=f"{d.name}, joint maturity", scale=SCALE)}
        for d in DIMENSIONS
    ]
    return {"points": points, "parties": parties, "chart": chart, "dimensions": dimensions}


def panel_for(membership: Membership, loaded: list[ReviewCycle] | None = None) -> dict:
    """The maturity block on the partnership's home page. `loaded`: the partnership's cycles of
    both kinds (cycles.partnership_cycles), when the caller holds them."""
    partnership = membership.partnership
    found = trend_for(partnership.id, loaded=loaded)
    points = found["points"]
    lines = [("Joint", [p.overall for p in points])]
    lines += [(party.name, [p.by_party.get(party.id) for p in points]) for party in found["parties"]]
    return {
        "trend": found,
        # Joint and each party's overall level over the assessments: the latest value and a sparkline.
        "lines": [(label, values[-1] if values else None,
                   charts.sparkline(values, width=96, height=24, label=f"{label}, maturity", scale=SCALE))
                  for label, values in lines],
        "latest": points[-1] if points else None,
        "previous": points[-2] if len(points) > 1 else None,
        "level": level_name(points[-1].overall) if points else None,
        "schedule": schedule(partnership, loaded=loaded),
    }


def form_guide() -> dict:
    """What the assessment form shows beside the ratings: the levels and each dimension's question."""
    return {"levels": LEVELS, "questions": {d.key: d.question for d in DIMENSIONS}}


CSV_HEADER = ["Period", "Kind", "Dimension", "Party", "Level", "Level name", "Evidence", "Mean", "Perception gap"]


def results_csv(cycle: ReviewCycle, data: dict) -> str:
    """A revealed assessment's results as CSV, one row per rating: what its results page shows."""
    names = {p.id: p.name for p in data["parties"]}
    rows = [[cycle.period, "Overall", "All dimensions", "All parties", data["overall"], data["overall_level"] or "",
             "", "", data["largest_gap"] if data["largest_gap"] is not None else ""]]
    rows += [[cycle.period, "Overall", "All dimensions", names[pid], value, level_name(value) or "", "", "", ""]
             for pid, value in data["party_level"].items()]
    for row in data["rows"]:
        for pid, name in names.items():
            value = row.scores.get(pid)
            rows.append([cycle.period, "Rating", row.name, name, "" if value is None else value,
                         LEVELS[value - 1].name if value else "", row.comments.get(pid, ""),
                         one_decimal(row.mean) if row.mean is not None else "", "" if row.gap is None else row.gap])
    for pid, name in names.items():
        assessment = data["assessments"][pid]
        rows.append([cycle.period, "Strengths", "", name, "", "", assessment.achievements, "", ""])
        rows.append([cycle.period, "Holding it back", "", name, "", "", assessment.concerns, "", ""])
    return csv_text(CSV_HEADER, rows)
