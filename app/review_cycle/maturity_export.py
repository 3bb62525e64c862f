"""A partnership's maturity assessments for a certifier's evidence: their revealed results as
plain data (JSON-able) and each one's results as a PDF. Only revealed assessments appear: one
whose parties have not all submitted is not evidence of anything yet, and nothing of a party's
unrevealed ratings may leave the database.
"""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Partnership
from app.review_cycle import assessments, cycles, improvement, maturity, report, results
from app.review_cycle.maturity_scale import DIMENSIONS, LEVELS, level_name
from app.review_cycle.models import CLOSED, ReviewCycle
from app.types import utcnow


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def revealed_maturity_assessments(partnership_id: int) -> list[ReviewCycle]:
    """The partnership's maturity assessments whose results are revealed, oldest first."""
    return list(db.session.scalars(
        sa.select(ReviewCycle).where(ReviewCycle.partnership_id == partnership_id, ReviewCycle.kind == maturity.KIND,
                                     ReviewCycle.revealed_at.is_not(None))
        .order_by(ReviewCycle.period)
    ))


def _assessment(cycle: ReviewCycle) -> dict:
    visible = assessments.visible_assessments(cycle, None)  # revealed: every party's, as submitted
    parties = [p for p in cycles.parties_of_cycle(cycle) if p.id in visible]
    rows = results.dimension_results(cycle, visible)
    names = {p.id: p.name for p in parties}
    overall = maturity.overall_level([visible[p.id] for p in parties])
    return {
        "cycle_id": cycle.id,
        "period": cycle.period,
        "status": "closed" if cycle.stage == CLOSED else "open",
        "stage": cycle.stage_label,
        "opened_at": _iso(cycle.opened_at),
        "revealed_at": _iso(cycle.revealed_at),
        "closed_at": _iso(cycle.closed_at),
        "parties": [{"party_id": p.id, "name": p.name,
                     "submitted_at": _iso(visible[p.id].submitted_at),
                     "overall": maturity.one_decimal(results.mean(
                         [e["score"] for e in visible[p.id].scores.values() if e.get("score") is not None]))}
                    for p in parties],
        "overall": overall,
        "overall_level": level_name(overall),
        "dimensions": [
            {"key": str(row.id), "name": row.name, "mean": maturity.one_decimal(row.mean), "perception_gap": row.gap,
             "ratings": [{"party": names[pid], "level": row.scores.get(pid), "evidence": row.comments.get(pid, "")}
                         for pid in names]}
            for row in rows
        ],
        "strengths": {names[pid]: visible[pid].achievements for pid in names},
        "to_improve": {names[pid]: visible[pid].concerns for pid in names},
        "actions": [
            {"title": a.title, "owner_party": a.owner_party.name, "due_on": a.due_on.isoformat(),
             "improves": a.link_label, "status": a.status_label, "done_at": _iso(a.done_at)}
            for a in improvement.actions_of(cycle)
        ],
    }


def maturity_results(partnership_id: int) -> dict:
    """Every revealed maturity assessment of the partnership, with the scale and dimensions it
    was rated on, each party's level and evidence per dimension, the perception gaps and the
    improvement actions: a JSON-able dict."""
    partnership = db.session.get(Partnership, partnership_id)
    found = revealed_maturity_assessments(partnership_id)
    return {
        "partnership": {"id": partnership.id, "name": partnership.name},
        "cadence": partnership.maturity_cadence_label,
        "scale": [{"level": level.number, "name": level.name, "description": level.description} for level in LEVELS],
        "dimensions": [{"key": d.key, "name": d.name, "question": d.question} for d in DIMENSIONS],
        "assessments": [_assessment(cycle) for cycle in found],
    }


def maturity_results_pdf(cycle_id: int, *, as_of: date | None = None) -> bytes:
    """The results of a revealed maturity assessment as a PDF: the stored report of a closed one
    (it never changes), or rendered now for one still working its actions. LookupError for a
    cycle that is not a revealed maturity assessment."""
    cycle = db.session.get(ReviewCycle, cycle_id)
    if cycle is None or not cycle.is_maturity or cycle.revealed_at is None:
        raise LookupError(f"no revealed maturity assessment {cycle_id}")
    if cycle.stage == CLOSED and (stored := report.stored_report(cycle.id)) is not None:
        return stored.data
    from app.signing.rendering.pdf import render_pdf

    partnership = db.session.get(Partnership, cycle.partnership_id)
    as_of = as_of or (cycle.closed_at.date() if cycle.closed_at else utcnow().date())
    return render_pdf(report.report_html(partnership, cycle, as_of), **report.document_options(partnership, cycle))
