"""Columns other features add to the portfolio dashboard, each loaded in one batch.

A feature registers a metric from its package's __init__.py:

    register_metric(Metric(
        key="health",                        # also the ?sort= value
        label="Health",                      # column heading
        load=latest_health_by_partnership,   # fn(partnership_ids) -> {partnership_id: value}
        template="review_cycle/_portfolio.html",
        macro="health_cell",                 # {% macro health_cell(value, partnership) %}
        order=30,
        sort_key=lambda value: value.index,  # optional: makes the column sortable
    ))

`load` is called once per page view with every listed partnership's id and must
answer with a fixed number of queries (GROUP BY / IN), never one per partnership:
a test asserts the page's query count does not grow with the portfolio. Partnerships
missing from its answer get None. Values are about the partnership, the same for
every member, so they are safe to show to anyone who sees the row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    load: Callable[[list[int]], dict[int, Any]]
    template: str
    macro: str
    order: int = 50
    sort_key: Callable[[Any], Any] | None = None
    # Larger first when a user first sorts by it (health, risk); smaller first otherwise.
    descending_first: bool = False
    # False: sortable and loaded, but shown inside the partnership's own cell, not as a column
    # (the table must stay readable on a laptop as features add columns).
    column: bool = True

    @property
    def sortable(self) -> bool:
        return self.sort_key is not None


METRICS: list[Metric] = []


def register_metric(metric: Metric) -> Metric:
    if any(m.key == metric.key for m in METRICS):
        raise ValueError(f"portfolio metric {metric.key!r} is already registered")
    METRICS.append(metric)
    METRICS.sort(key=lambda m: m.order)
    return metric


def load_metrics(partnership_ids: list[int]) -> dict[str, dict[int, Any]]:
    if not partnership_ids:
        return {metric.key: {} for metric in METRICS}
    return {metric.key: metric.load(partnership_ids) for metric in METRICS}


# --- Metrics whose data exists from the start -------------------------------------


def member_counts(partnership_ids: list[int]) -> dict[int, int]:
    from app.partnerships.models import Membership  # here, so features import this registry in any order

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


register_metric(
    Metric("people", "People", member_counts, "portfolio/_cells.html", "count_cell", order=80, sort_key=int,
           descending_first=True, column=False)
)
register_metric(
    Metric("activity", "Last activity", last_activity, "portfolio/_cells.html", "activity_cell", order=90,
           sort_key=lambda value: value.timestamp(), descending_first=True, column=False)
)
