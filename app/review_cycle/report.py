"""The results page and the closed cycle's report (page and PDF), assembled from a revealed cycle.

Everything read here goes through assessments.visible_assessments, which hands out another
party's assessment only once the cycle is revealed.
"""

import hashlib
import time
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.extensions import db
from app.jobs import locks
from app.jobs.models import JobProblem
from app.partnerships.models import Membership
from app.plan_sections.registry import section_types
from app.registries import PLAN_DRIFT, TRUST_EARNED
from app.review_cycle import assessments, charts, corrections, cycles, improvement, maturity, results
from app.review_cycle.models import CLOSED, ReviewCycle, ReviewReportDocument
from app.types import utcnow


def trend_for(partnership_id: int, up_to: ReviewCycle | None = None) -> dict:
    points = results.trend(partnership_id, up_to)
    parties = cycles.parties_of_cycles(partnership_id, up_to)
    series = [("Health index", "#111827", [p.index for p in points])]
    series += [(party.name, charts.party_colour(n), [p.by_party.get(party.id) for p in points])
               for n, party in enumerate(parties)]
    return {"points": points, "parties": parties,
            "chart": charts.trend_chart([p.period for p in points], series) if points else None}


def kept_for(partnership_id: int, today: date, up_to: ReviewCycle | None = None) -> list[results.Kept]:
    """Commitments kept per party: of a cycle's parties in its report, of today's parties otherwise."""
    parties = cycles.parties_of_cycle(up_to) if up_to is not None else cycles.parties_of(partnership_id)
    return results.commitments_kept(partnership_id, parties, today, up_to)


def earned_for(cycle: ReviewCycle, today: date) -> dict:
    """Each party's promises kept in the cycle's period, from the feature that keeps the ledger."""
    source = next(iter(TRUST_EARNED.all()), None)
    return source(cycle, today) if source is not None else {}


def drift_for(cycle: ReviewCycle, today: date) -> list:
    """Where the plan no longer describes practice, from the feature that keeps track of it."""
    return [item for source in PLAN_DRIFT.all() for item in source(cycle, today)]


def results_for(cycle: ReviewCycle, membership: Membership | None, today: date) -> dict | None:
    if cycle.revealed_at is None:
        return None
    if cycle.is_maturity:
        return {**maturity.results_for(cycle, membership), "kept": kept_for(cycle.partnership_id, today, cycle),
                "earned": earned_for(cycle, today)}
    visible = assessments.visible_assessments(cycle, membership)
    parties = [p for p in cycles.parties_of_cycle(cycle) if p.id in visible]
    rows = results.dimension_results(cycle, visible)
    radar = charts.radar(
        [r.name for r in rows],
        [(p.name, charts.party_colour(n), [r.scores.get(p.id) for r in rows]) for n, p in enumerate(parties)],
        title=f"Scores by dimension, {cycle.period}",
    )
    trust = next((r for r in rows if r.name.lower() == "trust"), None)
    ordered = [visible[p.id] for p in parties]
    return {
        "parties": parties,
        "colours": {p.id: charts.party_colour(n) for n, p in enumerate(parties)},
        "assessments": visible,
        "rows": rows,
        "measures": results.measure_results(cycle, visible),
        "index": results.health_index(ordered),
        "party_index": {a.party_id: results.party_index(a) for a in ordered},
        "largest_gap": max((r.gap for r in rows if r.gap is not None), default=None),
        "radar": radar,
        "trend": trend_for(cycle.partnership_id, cycle),
        "kept": kept_for(cycle.partnership_id, today, cycle),
        "earned": earned_for(cycle, today),
        "drift": drift_for(cycle, today),
        "trust": trust,
        "gap_flag": results.GAP_FLAG,
        "corrections": corrections.corrections_of(cycle),
    }


def report_for(cycle: ReviewCycle, membership: Membership | None, today: date) -> dict:
    data = results_for(cycle, membership, today) or {}
    data.update(
        adaptations=improvement.adaptations_of(cycle),
        revisions=improvement.linked_revisions(cycle),
        actions=improvement.actions_of(cycle),
        section_titles={t.key: t.title for t in section_types()},
        today=today,
    )
    return data


# -- the stored PDF, rendered by a worker ---------------------------------------------------------


def document_options(partnership, cycle: ReviewCycle) -> dict:
    """The PDF's title, subject and keywords."""
    if cycle.is_maturity:
        return {"title": f"{partnership.name}: maturity assessment {cycle.period}", "author": "Jointly",
                "subject": f"Maturity assessment results of {cycle.period}",
                "keywords": ["maturity assessment", cycle.period], "lang": "en"}
    return {"title": f"{partnership.name}: review {cycle.period}", "author": "Jointly",
            "subject": f"Review report of {cycle.period}", "keywords": ["review", cycle.period], "lang": "en"}


def report_html(partnership, cycle: ReviewCycle, as_of: date) -> str:
    """The report as the PDF prints it, as of a day, read by nobody in particular (so only once
    the cycle is revealed does it hold any party's scores)."""
    with current_app.test_request_context(base_url=current_app.config.get("APP_BASE_URL") or "http://localhost"):
        return render_template("review_cycle/report_document.html", partnership=partnership, cycle=cycle,
                               cycle_parties=cycles.parties_of_cycle(cycle),
                               data=report_for(cycle, None, as_of) if cycle.revealed_at is not None else {})

REPORT_JOB = "review_report_pdf"


def stored_report(cycle_id: int) -> ReviewReportDocument | None:
    return db.session.scalar(sa.select(ReviewReportDocument).where(ReviewReportDocument.cycle_id == cycle_id))


def build_report_document(cycle_id: int) -> bool:
    """The `review_report_pdf` job: render a closed cycle's report once and store it.

    The HTML is built in a short read, the PDF rendered with no transaction open, and the row
    inserted under the unique cycle id; True when this call stored it.
    """
    with locks.exclusive(f"review-report:{cycle_id}") as held:
        cycle = db.session.get(ReviewCycle, cycle_id)
        if not held or cycle is None or cycle.stage != CLOSED or stored_report(cycle_id) is not None:
            return False
        from app.partnerships.models import Partnership

        partnership = db.session.get(Partnership, cycle.partnership_id)
        # As of the day it closed, whoever renders it and whenever.
        closed_on = (cycle.closed_at or utcnow()).date()
        html = report_html(partnership, cycle, closed_on)
        options = document_options(partnership, cycle)
        db.session.commit()  # nothing is held while rendering
        from app.signing.rendering.pdf import render_pdf

        started = time.perf_counter()
        data = render_pdf(html, **options)
        seconds = round(time.perf_counter() - started, 3)
        try:
            db.session.add(ReviewReportDocument(cycle_id=cycle_id, data=data, size=len(data),
                                                sha256=hashlib.sha256(data).hexdigest(), render_seconds=seconds))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        return True


def requeue_missing_reports() -> int:
    """The periodic sweep: closed cycles whose report PDF is missing (a worker stopped mid-way)."""
    gave_up = sa.select(JobProblem.key).where(JobProblem.job == REPORT_JOB, JobProblem.gave_up.is_(True))
    missing = db.session.scalars(
        sa.select(ReviewCycle.id).where(
            ReviewCycle.stage == CLOSED,
            ReviewCycle.closed_at <= utcnow() - timedelta(seconds=current_app.config["JOB_SWEEP_GRACE_SECONDS"]),
            ~sa.exists().where(ReviewReportDocument.cycle_id == ReviewCycle.id),
            (sa.literal("cycle:") + sa.cast(ReviewCycle.id, sa.String)).not_in(gave_up),
        )
    ).all()
    for cycle_id in missing:
        jobs.enqueue(REPORT_JOB, cycle_id)
    return len(missing)


def _subject(cycle_id: int) -> jobs.JobSubject:
    partnership_id = db.session.scalar(sa.select(ReviewCycle.partnership_id).where(ReviewCycle.id == cycle_id))
    return jobs.JobSubject(f"cycle:{cycle_id}", partnership_id)


def add_jobs(app) -> None:
    jobs.JOBS.add(app, jobs.JobSpec(REPORT_JOB, build_report_document, retries=5, retry_delay=15, timeout=600,
                                    subject=_subject))
    jobs.PERIODIC.add(app, jobs.PeriodicSpec("review_report_sweep", requeue_missing_reports, minutes=5))
