"""The portfolio dashboard's own columns, whose data exists from the start (people, last activity).

Other features add their columns to `app.registries.PORTFOLIO_METRICS` from their `init_app`.
"""

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.registries import Metric

# --- Metrics whose data exists from the start -------------------------------------


def member_counts(partnership_ids: list[int]) -> dict[int, int]:
    from app.partnerships.models import Membership

    return dict(
        db.session.execute(
            sa.select(Membership.partnership_id, sa.func.count())
            .where(Membership.partnership_id.in_(partnership_ids))
            .group_by(Membership.partnership_id)
        ).all()
    )


def last_activity(partnership_ids: list[int]) -> dict[int, datetime]:
    """When anyone last changed anything in each partnership (its newest audit event)."""
    from app.audit.models import AuditEvent

    latest = dict(
        db.session.execute(
            sa.select(AuditEvent.partnership_id, sa.func.max(AuditEvent.id))
            .where(AuditEvent.partnership_id.in_(partnership_ids))
            .group_by(AuditEvent.partnership_id)
        ).all()
    )
    times = dict(
        db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.occurred_at).where(AuditEvent.id.in_(list(latest.values())))
        ).all()
    )
    return {pid: times[event_id] for pid, event_id in latest.items() if event_id in times}


OWN_METRICS = (
    Metric("people", "People", member_counts, "portfolio/_cells.html", "count_cell", order=80, sort_key=int,
           descending_first=True, column=False),
    Metric("activity", "Last activity", last_activity, "portfolio/_cells.html", "activity_cell", order=90,
           sort_key=lambda value: value.timestamp(), descending_first=True, column=False),
)
