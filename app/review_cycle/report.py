"""The results page and the closed cycle's report (page and PDF), assembled from a revealed cycle.

Everything read here goes through services.visible_assessments, which hands out another
party's assessment only once the cycle is revealed.
"""

from datetime import date

from flask import render_template

from app.partnerships.models import Membership
from app.plan_sections.registry import section_types
from app.review_cycle import charts, results, services, work
from app.review_cycle.models import ReviewCycle


def trend_for(partnership_id: int, up_to: ReviewCycle | None = None) -> dict:
    points = results.trend(partnership_id, up_to)
    parties = services.parties_of(partnership_id)
    series = [("Health index", "#111827", [p.index for p in points])]
    series += [(party.name, charts.party_colour(n), [p.by_party.get(party.id) for p in points])
               for n, party in enumerate(parties)]
    return {"points": points, "parties": parties,
            "chart": charts.trend_chart([p.period for p in points], series) if points else None}


def kept_for(partnership_id: int, today: date, up_to: ReviewCycle | None = None) -> list[results.Kept]:
    return results.commitments_kept(partnership_id, services.parties_of(partnership_id), today, up_to)


def results_for(cycle: ReviewCycle, membership: Membership, today: date) -> dict | None:
    if cycle.revealed_at is None:
        return None
    assessments = services.visible_assessments(cycle, membership)
    parties = services.parties_of(cycle.partnership_id)
    parties = [p for p in parties if p.id in assessments]
    rows = results.dimension_results(cycle, assessments)
    radar = charts.radar(
        [r.name for r in rows],
        [(p.name, charts.party_colour(n), [r.scores.get(p.id) for r in rows]) for n, p in enumerate(parties)],
        title=f"Scores by dimension, {cycle.period}",
    )
    trust = next((r for r in rows if r.name.lower() == "trust"), None)
    ordered = [assessments[p.id] for p in parties]
    return {
        "parties": parties,
        "colours": {p.id: charts.party_colour(n) for n, p in enumerate(parties)},
        "assessments": assessments,
        "rows": rows,
        "measures": results.measure_results(cycle, assessments),
        "index": results.health_index(ordered),
        "party_index": {a.party_id: results.party_index(a) for a in ordered},
        "largest_gap": max((r.gap for r in rows if r.gap is not None), default=None),
        "radar": radar,
        "trend": trend_for(cycle.partnership_id, cycle),
        "kept": kept_for(cycle.partnership_id, today, cycle),
        "trust": trust,
        "gap_flag": results.GAP_FLAG,
    }


def report_for(cycle: ReviewCycle, membership: Membership, today: date) -> dict:
    data = results_for(cycle, membership, today) or {}
    data.update(
        adaptations=work.adaptations_of(cycle),
        revisions=work.linked_revisions(cycle),
        actions=work.actions_of(cycle),
        section_titles={t.key: t.title for t in section_types()},
        today=today,
    )
    return data


def render_report_pdf(cycle: ReviewCycle, membership: Membership, today: date) -> bytes:
    from app.signing.pdf import render_pdf

    partnership = membership.partnership
    html = render_template("review_cycle/report_document.html", partnership=partnership, cycle=cycle,
                           data=report_for(cycle, membership, today))
    return render_pdf(
        html, title=f"{partnership.name}: review {cycle.period}", author="Jointly",
        subject=f"Review report of {cycle.period}", keywords=["review", cycle.period], lang="en",
        signature_fields=False,
    )
