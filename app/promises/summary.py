"""A partnership's trust in a few figures, for the pages that show many partnerships (the
portfolio) or many panels (the partnership's overview) and cannot read the whole ledger each.

`compute` reads the ledger, the meetings and the balance once and answers the figures; the
periodic job `trust_summary_sweep` keeps one `TrustSummary` row per partnership, computed
again once the partnership's audit trail has moved on (every change the ledger reads is an
audited event) or a new day has begun (promises fall overdue by the calendar alone). The
portfolio reads every listed partnership's row in one statement; the overview reads its own.
"""

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.extensions import db
from app.jobs.locks import exclusive
from app.partnerships.models import Partnership, Party
from app.partnerships.parties import RecordParty
from app.promises.balance import give_and_get, unit_label
from app.promises.escalations import escalations_of, step_due
from app.promises.ledger import promises_of
from app.promises.meetings import drift_of, meetings_of
from app.promises.models import TrustSummary
from app.promises.practice import measure_drift
from app.promises.reliability import reliability
from app.types import utcnow

log = logging.getLogger("jointly.promises")
SWEEP_BATCH = 200  # partnerships a run computes at most; the next run goes on
RECENT_PERIODS = 2  # a special-cause drop this recent is shown


def compute(partnership_id: int, today: date) -> dict:
    """Each current party's reliability (latest complete period, trend, a recent special-cause
    drop), open promises overdue, disputes, drifting bodies and imbalances."""
    partnership = db.session.get(Partnership, partnership_id)
    promises = promises_of(partnership_id, today)
    current = db.session.scalars(sa.select(Party).where(Party.partnership_id == partnership_id,
                                                       Party.left_at.is_(None)).order_by(Party.id))
    parties = []
    for found in reliability(promises, [RecordParty(p.id, p.name) for p in current],
                             partnership.review_cadence_months, today):
        complete = [p for p in found.points if p.figure.complete and p.figure.share is not None]
        latest = complete[-1].figure if complete else None
        parties.append({
            "id": found.party.id, "name": found.party.name,
            "share": latest.share if latest else None, "period": latest.period if latest else None,
            "trend": found.trend,
            "drop": any(p.special_cause for p in found.points[-RECENT_PERIODS:]),
        })
    drift = drift_of(partnership_id, today, meetings=meetings_of(partnership_id))
    late_issues = [e.title for e in escalations_of(partnership_id)
                   if e.is_open and (due := step_due(e.current)) is not None and due < today]
    balance = give_and_get(partnership_id, today)
    return {
        "parties": parties,
        "overdue": sum(1 for p in promises if p.overdue),
        "disputed": sum(1 for p in promises if p.disputed),
        # Bodies and measures (the plan's column shows sections past their review already).
        "drifting": [d.body.name for d in drift if d.drifting] + [d.name for d in measure_drift(partnership)],
        "imbalanced": [{"party": f.party.name, "unit": unit_label(f.unit),
                        "points": round(f.latest.position_points)} for f in balance.flags],
        "band": balance.band_points,
        "escalations_late": late_issues,
    }


def refresh(partnership_id: int, today: date | None = None, last_event_id: int | None = None) -> TrustSummary:
    today = today or utcnow().date()
    if last_event_id is None:
        last_event_id = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)).where(
            AuditEvent.partnership_id == partnership_id))
    figures = compute(partnership_id, today)
    summary = _locked(partnership_id)
    if summary is None:
        try:
            with db.session.begin_nested():
                db.session.add(TrustSummary(partnership_id=partnership_id, computed_on=today, figures=figures))
        except IntegrityError:
            pass  # another process made it at the same moment: lock theirs
        summary = _locked(partnership_id)
    summary.figures = figures
    summary.computed_on, summary.computed_at, summary.last_event_id = today, utcnow(), last_event_id
    db.session.flush()
    return summary


def _locked(partnership_id: int) -> TrustSummary | None:
    return db.session.scalar(sa.select(TrustSummary).where(TrustSummary.partnership_id == partnership_id)
                             .with_for_update().execution_options(populate_existing=True))


def stale_partnerships(today: date) -> list[tuple[int, int | None]]:
    """(partnership, its latest audit event) for each partnership whose summary is missing, from
    an earlier day, or older than its latest audit event."""
    latest = (sa.select(AuditEvent.partnership_id, sa.func.max(AuditEvent.id).label("last"))
              .where(AuditEvent.partnership_id.is_not(None)).group_by(AuditEvent.partnership_id).subquery())
    rows = db.session.execute(
        sa.select(Partnership.id, latest.c.last)
        .outerjoin(latest, latest.c.partnership_id == Partnership.id)
        .outerjoin(TrustSummary, TrustSummary.partnership_id == Partnership.id)
        .where(sa.or_(
            TrustSummary.partnership_id.is_(None), TrustSummary.computed_on < today,
            sa.and_(latest.c.last.is_not(None),
                    sa.or_(TrustSummary.last_event_id.is_(None), latest.c.last > TrustSummary.last_event_id))))
        .order_by(Partnership.id))
    return [(pid, last) for pid, last in rows]


def sweep() -> int:
    """Compute again every stale summary (up to SWEEP_BATCH a run), each in its own transaction:
    one partnership's failure leaves the others' done. One sweep runs at a time, whichever
    worker's periodic task starts it (the others find it running and leave). Answers how many
    were computed."""
    today = utcnow().date()
    done = 0
    with exclusive("trust-summary-sweep") as held:
        if not held:
            return 0
        for partnership_id, last_event_id in stale_partnerships(today)[:SWEEP_BATCH]:
            try:
                refresh(partnership_id, today, last_event_id)
                db.session.commit()
                done += 1
            except Exception:
                db.session.rollback()
                log.exception("could not summarise partnership %s's promises", partnership_id)
    return done


@dataclass(frozen=True)
class TrustCell:
    """What the portfolio shows of a summary."""
    figures: dict
    computed_at: object

    @property
    def lowest_share(self) -> float:
        shares = [p["share"] for p in self.figures.get("parties", []) if p["share"] is not None]
        return min(shares) if shares else 2.0  # none yet: after every measured one


def summaries(partnership_ids: list[int]) -> dict[int, TrustCell]:
    """Every listed partnership's summary in one statement (the portfolio's column)."""
    rows = db.session.scalars(sa.select(TrustSummary).where(TrustSummary.partnership_id.in_(partnership_ids)))
    return {row.partnership_id: TrustCell(row.figures, row.computed_at) for row in rows}


def summary_of(partnership_id: int) -> TrustSummary | None:
    return db.session.get(TrustSummary, partnership_id)
