"""What a revealed cycle says: scores side by side, perception gaps, measures against target,
trends over earlier cycles, and each party's commitments kept (trust as earned).

These functions read assessments of revealed cycles only: callers hand them nothing else.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context

from app.extensions import db
from app.partnerships.models import Party
from app.partnerships.navigation import once_per_request
from app.review_cycle.cycles import revealed_of
from app.review_cycle.models import Assessment, ImprovementAction, ReviewCycle

GAP_FLAG = 2  # a perception gap this large is highlighted
KEPT_WINDOW = 4  # commitments kept: actions of the last four cycles


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _scores(assessment: Assessment) -> list[int]:
    return [entry["score"] for entry in assessment.scores.values() if entry.get("score") is not None]


def health_index(assessments: list[Assessment], cycle: ReviewCycle | None = None) -> int | None:
    """The mean of every score of every party, scaled from 1–5 to 0–100."""
    average = mean([s for a in assessments for s in _scores(a)])
    return None if average is None else round((average - 1) / 4 * 100)


def party_index(assessment: Assessment) -> int | None:
    average = mean(_scores(assessment))
    return None if average is None else round((average - 1) / 4 * 100)


@dataclass
class DimensionResult:
    id: int
    name: str
    scores: dict[int, int | None]  # party id -> score
    comments: dict[int, str]
    mean: float | None
    gap: int | None

    @property
    def flagged(self) -> bool:
        return self.gap is not None and self.gap >= GAP_FLAG


def dimension_results(cycle: ReviewCycle, assessments: dict[int, Assessment]) -> list[DimensionResult]:
    rows = []
    for dim in cycle.dimensions:
        key = str(dim["id"])
        scores = {pid: (a.scores.get(key) or {}).get("score") for pid, a in assessments.items()}
        comments = {pid: (a.scores.get(key) or {}).get("comment") or "" for pid, a in assessments.items()}
        present = [s for s in scores.values() if s is not None]
        rows.append(DimensionResult(
            dim["id"], dim["name"], scores, comments, mean(present),
            max(present) - min(present) if len(present) > 1 else None,
        ))
    return rows


def rag(measure: dict, actual: str | None) -> str | None:
    """green: meets the target; amber: better than the baseline (or within 10% of the target
    without one); red: otherwise. Direction decides what better means."""
    if actual is None:
        return None
    value, target = Decimal(actual), Decimal(measure["target"])
    higher = measure["direction"] == "higher"

    def better_or_equal(a, b):
        return a >= b if higher else a <= b

    if better_or_equal(value, target):
        return "green"
    if measure.get("baseline") is not None:
        baseline = Decimal(measure["baseline"])
        return "amber" if better_or_equal(value, baseline) and value != baseline else "red"
    margin = abs(target) * Decimal("0.1")
    return "amber" if abs(value - target) <= margin else "red"


RAG_LABELS = {"green": "On target", "amber": "Improving", "red": "Off target", None: "No actual"}


@dataclass
class MeasureResult:
    measure: dict
    owner_party_id: int
    actual: str | None
    rating: str | None
    views: list[dict] = field(default_factory=list)  # other parties: {"party_id", "actual", "disputed", "reason"}

    @property
    def rating_label(self) -> str:
        return RAG_LABELS[self.rating]

    @property
    def disputed(self) -> bool:
        return any(v["disputed"] for v in self.views)


def measure_results(cycle: ReviewCycle, assessments: dict[int, Assessment]) -> list[MeasureResult]:
    rows = []
    for measure in cycle.measures:
        owner = measure["data_owner"]
        entry = (assessments.get(owner).measures.get(measure["id"]) if owner in assessments else None) or {}
        actual = entry.get("actual")
        views = []
        for pid, assessment in assessments.items():
            if pid == owner:
                continue
            view = assessment.measures.get(measure["id"]) or {}
            if view.get("actual") is not None or view.get("disputed") or view.get("reason"):
                views.append({"party_id": pid, "actual": view.get("actual"), "disputed": bool(view.get("disputed")),
                              "reason": view.get("reason") or "", "rating": rag(measure, view.get("actual"))})
        rows.append(MeasureResult(measure, owner, actual, rag(measure, actual), views))
    return rows


@dataclass
class TrendPoint:
    period: str
    index: int | None
    by_party: dict[int, int | None]


def revealed_assessments(cycle_ids: list[int]) -> dict[int, list[Assessment]]:
    """Assessments of the given (revealed) cycles, by cycle id, in one query."""
    found = defaultdict(list)
    if cycle_ids:
        for assessment in db.session.scalars(
            sa.select(Assessment).where(Assessment.cycle_id.in_(cycle_ids), Assessment.submitted_at.is_not(None))
        ):
            found[assessment.cycle_id].append(assessment)
    return found


def revealed_assessments_of(cycles: list[ReviewCycle], loaded: list[ReviewCycle] | None) -> dict[int, list[Assessment]]:
    """The assessments of the trend's `cycles`. When the caller holds the partnership's cycles
    (`loaded`, both kinds) in a request, those of every revealed cycle among them are read once
    for the request: the home page's review and maturity trends share one statement."""
    if loaded is None or not has_request_context():
        return revealed_assessments([c.id for c in cycles])
    ids = sorted(c.id for c in loaded if c.revealed_at is not None)
    return once_per_request(f"revealed_assessments:{ids}", lambda: revealed_assessments(ids))


def trend(partnership_id: int, up_to: ReviewCycle | None = None,
          loaded: list[ReviewCycle] | None = None) -> list[TrendPoint]:
    """The health index of every revealed review, oldest first (up to and including `up_to`).
    `loaded`: the partnership's cycles (cycles.partnership_cycles), when the caller holds them."""
    if loaded is not None:
        cycles = revealed_of(loaded, "review", up_to)
    else:
        query = sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id,
                                             ReviewCycle.kind == "review", ReviewCycle.revealed_at.is_not(None))
        if up_to is not None:
            query = query.where(ReviewCycle.period <= up_to.period)
        cycles = list(db.session.scalars(query.order_by(ReviewCycle.period)))
    found = revealed_assessments_of(cycles, loaded)
    return [
        TrendPoint(c.period, health_index(found[c.id]), {a.party_id: party_index(a) for a in found[c.id]})
        for c in cycles
    ]


@dataclass
class Kept:
    party: Party
    kept: int
    due: int

    @property
    def percent(self) -> int | None:
        return round(self.kept / self.due * 100) if self.due else None


def kept_by_party(cycles: list[ReviewCycle], actions: list[ImprovementAction], parties: list[Party],
                  today: date) -> list[Kept]:
    """Per party, of its actions in `cycles` that fell due (or were done), how many were done by
    their due date. Dropped actions count as not kept once their due date has passed."""
    ids = {c.id for c in cycles}
    result = []
    for party in parties:
        due = kept = 0
        for action in actions:
            if action.cycle_id not in ids or action.owner_party_id != party.id:
                continue
            if action.status == "done" or action.due_on < today:
                due += 1
                kept += action.kept
        result.append(Kept(party, kept, due))
    return result


def commitments_kept(partnership_id: int, parties: list[Party], today: date,
                     up_to: ReviewCycle | None = None) -> list[Kept]:
    # The last four reviews; a maturity assessment's actions count in its own report.
    kind = up_to.kind if up_to is not None else "review"
    query = sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.kind == kind)
    if up_to is not None:
        query = query.where(ReviewCycle.period <= up_to.period)
    cycles = list(db.session.scalars(query.order_by(ReviewCycle.period.desc()).limit(KEPT_WINDOW)))
    actions = list(db.session.scalars(
        sa.select(ImprovementAction).where(ImprovementAction.cycle_id.in_([c.id for c in cycles]))
    )) if cycles else []
    return kept_by_party(cycles, actions, parties, today)
