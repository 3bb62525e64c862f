"""Building the portfolio: the user's partnerships, filtered, sorted, with totals and metrics.

A user sees the partnerships they are a member of (always through their own
organisation's party), never others their organisation takes part in. The number
of queries is fixed: partnerships with memberships, their parties, one per metric.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.extensions import db
from app.formatting import relationship_age
from app.partnerships.models import Membership, Partnership, PartnershipStatus, PartnershipType, Party
from app.portfolio.columns import load_metrics
from app.registries import PORTFOLIO_METRICS
from app.types import utcnow

STATUS_ORDER = {status.value: i for i, status in enumerate(PartnershipStatus)}

# The columns every portfolio has: (label, sort value, largest first by default).
BUILT_IN_SORTS = {
    "name": ("Partnership", lambda row: row.partnership.name.lower(), False),
    "type": ("Type", lambda row: row.partnership.type_label.lower(), False),
    "age": ("Running for", lambda row: row.days_running, True),
    "status": ("Status", lambda row: STATUS_ORDER.get(row.partnership.status, 99), False),
    "role": ("Your role", lambda row: (row.membership.role, not row.membership.is_signatory), False),
}


@dataclass
class PortfolioRow:
    partnership: Partnership
    membership: Membership
    values: dict[str, Any] = field(default_factory=dict)
    today: date = field(default_factory=lambda: utcnow().date())

    @property
    def days_running(self) -> int:
        return (self.today - self.partnership.start_date).days


@dataclass
class Totals:
    count: int
    by_type: list[tuple[str, str, int]]  # (type, label, count), largest first
    by_status: list[tuple[str, str, int]]  # in lifecycle order
    average_duration: str | None


@dataclass
class Portfolio:
    rows: list[PortfolioRow]
    totals: Totals
    sort: str
    descending: bool
    type_filter: str | None
    status_filter: str | None

    @property
    def filtered(self) -> bool:
        return bool(self.type_filter or self.status_filter)


@dataclass(frozen=True)
class SortOption:
    key: str
    label: str
    descending_first: bool


def sort_options() -> dict[str, SortOption]:
    """Every sortable column, built-in and contributed, in the table's order."""
    options = [SortOption(key, label, descending) for key, (label, _, descending) in BUILT_IN_SORTS.items()]
    options[-1:-1] = [SortOption(m.key, m.label, m.descending_first) for m in PORTFOLIO_METRICS.all() if m.sortable]
    return {option.key: option for option in options}


def build_portfolio(
    user: User,
    *,
    sort: str | None = None,
    order: str | None = None,
    type_filter: str | None = None,
    status_filter: str | None = None,
) -> Portfolio:
    rows = _member_rows(user)
    totals = _totals(rows)
    type_filter = type_filter if type_filter in set(PartnershipType) else None
    status_filter = status_filter if status_filter in set(PartnershipStatus) else None
    shown = [
        row
        for row in rows
        if (type_filter is None or row.partnership.type == type_filter)
        and (status_filter is None or row.partnership.status == status_filter)
    ]
    values = load_metrics([row.partnership.id for row in shown])
    for row in shown:
        row.values = {key: by_id.get(row.partnership.id) for key, by_id in values.items()}

    options = sort_options()
    sort = sort if sort in options else "name"
    descending = options[sort].descending_first if order not in ("asc", "desc") else order == "desc"
    _sort(shown, sort, descending)
    return Portfolio(shown, totals, sort, descending, type_filter, status_filter)


def _member_rows(user: User) -> list[PortfolioRow]:
    today = utcnow().date()
    results = db.session.execute(
        sa.select(Partnership, Membership)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .join(Party, Party.id == Membership.party_id)
        .where(Membership.user_id == user.id, Party.organisation_id == user.organisation_id)
        .options(selectinload(Partnership.parties).joinedload(Party.organisation))
    ).all()
    return [PortfolioRow(partnership, membership, today=today) for partnership, membership in results]


def _sort(rows: list[PortfolioRow], key: str, descending: bool) -> None:
    rows.sort(key=lambda row: row.partnership.name.lower())  # ties read alphabetically
    if key in BUILT_IN_SORTS:
        rows.sort(key=BUILT_IN_SORTS[key][1], reverse=descending)
        return
    metric = PORTFOLIO_METRICS.get(key)
    present = [row for row in rows if row.values.get(key) is not None]
    missing = [row for row in rows if row.values.get(key) is None]
    present.sort(key=lambda row: metric.sort_key(row.values[key]), reverse=descending)
    rows[:] = present + missing  # rows without a value come last either way


def _totals(rows: list[PortfolioRow]) -> Totals:
    types = Counter(row.partnership.type for row in rows)
    statuses = Counter(row.partnership.status for row in rows)
    running = [row.days_running for row in rows if row.days_running >= 0]
    average = None
    if running:
        today = rows[0].today
        average = relationship_age(today - timedelta(days=round(sum(running) / len(running))), today)
    return Totals(
        count=len(rows),
        by_type=[(t, PartnershipType(t).label, n) for t, n in sorted(types.items(), key=lambda i: (-i[1], i[0]))],
        by_status=[(s.value, s.label, statuses[s.value]) for s in PartnershipStatus if statuses[s.value]],
        average_duration=average,
    )
