"""Building the portfolio: the user's partnerships, filtered, sorted, paged, with totals and metrics.

A user sees the partnerships they are a member of (always through their own
organisation's party), never others their organisation takes part in. The page shows
`PAGE_SIZE` rows at a time, paged by key: a link carries the sort key of the row it
continues from (after the last, before the first), so a partnership added or removed
meanwhile never shifts a row onto two pages or off both. The totals and the order need
only each partnership's name, type, status, start and the user's role, read as plain
rows; whole objects and every metric are loaded for the page's rows only, except the
metric being sorted by, which is loaded for every shown partnership. The number of
queries is fixed: those rows, the page's partnerships with their parties (one joined
statement), one batch per metric.
"""

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import total_ordering
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.extensions import db
from app.formatting import relationship_age
from app.partnerships.models import Membership, Partnership, PartnershipStatus, PartnershipType, Party
from app.registries import PORTFOLIO_METRICS
from app.types import utcnow

PAGE_SIZE = 25
STATUS_ORDER = {status.value: i for i, status in enumerate(PartnershipStatus)}


@dataclass(frozen=True)
class Entry:
    """One partnership of the portfolio as the totals and the order need it (no ORM object)."""

    partnership_id: int
    membership_id: int
    name: str
    type: str
    status: str
    start_date: date
    role: str
    is_signatory: bool
    today: date

    @property
    def days_running(self) -> int:
        return (self.today - self.start_date).days


# The columns every portfolio has: (label, sort value, largest first by default).
BUILT_IN_SORTS = {
    "name": ("Partnership", lambda entry: entry.name.lower(), False),
    "type": ("Type", lambda entry: PartnershipType(entry.type).label.lower(), False),
    "age": ("Running for", lambda entry: entry.days_running, True),
    "status": ("Status", lambda entry: STATUS_ORDER.get(entry.status, 99), False),
    "role": ("Your role", lambda entry: (entry.role, not entry.is_signatory), False),
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
    rows: list[PortfolioRow]  # this page's
    totals: Totals
    sort: str
    descending: bool
    type_filter: str | None
    status_filter: str | None
    shown: int = 0  # partnerships matching the filters, on every page
    first: int = 1  # the position of this page's first row among them, from 1
    next_after: str | None = None  # the cursor of the next page, if there is one
    previous_before: str | None = None  # the cursor of the previous page, if there is one

    @property
    def filtered(self) -> bool:
        return bool(self.type_filter or self.status_filter)

    @property
    def paged(self) -> bool:
        return bool(self.next_after or self.previous_before)

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


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
    after: str | None = None,
    before: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Portfolio:
    entries = _member_entries(user)
    totals = _totals(entries)
    type_filter = type_filter if type_filter in set(PartnershipType) else None
    status_filter = status_filter if status_filter in set(PartnershipStatus) else None
    shown = [
        entry
        for entry in entries
        if (type_filter is None or entry.type == type_filter)
        and (status_filter is None or entry.status == status_filter)
    ]
    options = sort_options()
    sort = sort if sort in options else "name"
    descending = options[sort].descending_first if order not in ("asc", "desc") else order == "desc"

    values: dict[str, dict[int, Any]] = {}
    if sort in BUILT_IN_SORTS:
        primary = BUILT_IN_SORTS[sort][1]
        keys = [_OrderKey.of(False, primary(entry), entry, descending) for entry in shown]
    else:
        metric = PORTFOLIO_METRICS.get(sort)
        values[sort] = metric.load([entry.partnership_id for entry in shown]) if shown else {}
        keys = []
        for entry in shown:
            value = values[sort].get(entry.partnership_id)
            missing = value is None  # rows without a value come last either way
            keys.append(_OrderKey.of(missing, None if missing else metric.sort_key(value), entry, descending))
    ordered = sorted(zip(keys, shown, strict=True), key=lambda pair: pair[0].key)
    keys = [key.key for key, _ in ordered]

    start = 0
    cursor = _decode(after if after else before, descending)
    if cursor is not None:
        try:
            start = bisect_right(keys, cursor) if after else max(0, bisect_left(keys, cursor) - page_size)
        except TypeError:  # a cursor made for another sort
            start = 0
    page = ordered[start : start + page_size]
    rows = _page_rows([entry for _, entry in page])
    ids = [row.partnership.id for row in rows]
    for metric in PORTFOLIO_METRICS.all():
        if metric.key not in values:
            values[metric.key] = metric.load(ids) if ids else {}
    for row in rows:
        row.values = {key: by_id.get(row.partnership.id) for key, by_id in values.items()}

    return Portfolio(
        rows, totals, sort, descending, type_filter, status_filter,
        shown=len(shown),
        first=start + 1,
        next_after=page[-1][0].encode() if start + page_size < len(ordered) else None,
        previous_before=page[0][0].encode() if start > 0 and page else None,
    )


@total_ordering
class _Descending:
    """A sort value in reverse order (values of any type, so they cannot just be negated)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return self.value == other.value

    def __lt__(self, other):
        return other.value < self.value

    __hash__ = None


@dataclass(frozen=True)
class _OrderKey:
    """Where a row sorts: its sort value, then its name (ties read alphabetically), then its id."""

    missing: bool
    value: Any
    name: str
    partnership_id: int
    descending: bool

    @classmethod
    def of(cls, missing: bool, value: Any, entry: Entry, descending: bool) -> "_OrderKey":
        return cls(missing, value, entry.name.lower(), entry.partnership_id, descending)

    @property
    def key(self) -> tuple:
        value = 0 if self.missing else _Descending(self.value) if self.descending else self.value
        return (self.missing, value, self.name, self.partnership_id)

    def encode(self) -> str:
        raw = json.dumps([self.missing, self.value, self.name, self.partnership_id], separators=(",", ":"), default=str)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str | None, descending: bool) -> tuple | None:
    """A cursor from a page link as an order key; None (the first page) for anything malformed."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        missing, value, name, partnership_id = raw
    except (ValueError, TypeError, binascii.Error):
        return None
    if not isinstance(missing, bool) or not isinstance(name, str) or not isinstance(partnership_id, int):
        return None
    return _OrderKey(missing, _tuples(value), name, partnership_id, descending).key


def _tuples(value):
    """JSON has no tuples: sort values that were tuples come back as lists."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _member_entries(user: User) -> list[Entry]:
    today = utcnow().date()
    results = db.session.execute(
        sa.select(Partnership.id, Membership.id, Partnership.name, Partnership.type, Partnership.status,
                  Partnership.start_date, Membership.role, Membership.is_signatory)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .join(Party, Party.id == Membership.party_id)
        .where(Membership.user_id == user.id, Party.organisation_id == user.organisation_id)
    ).all()
    return [Entry(*result, today=today) for result in results]


def _page_rows(entries: list[Entry]) -> list[PortfolioRow]:
    """The page's partnerships and the user's memberships, with their parties, in the page's order."""
    if not entries:
        return []
    results = db.session.execute(
        sa.select(Partnership, Membership)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.id.in_([entry.membership_id for entry in entries]))
        .options(joinedload(Partnership.parties).joinedload(Party.organisation))
    ).unique().all()
    by_membership = {membership.id: (partnership, membership) for partnership, membership in results}
    return [PortfolioRow(*by_membership[entry.membership_id], today=entry.today) for entry in entries]


def _totals(entries: list[Entry]) -> Totals:
    types = Counter(entry.type for entry in entries)
    statuses = Counter(entry.status for entry in entries)
    running = [entry.days_running for entry in entries if entry.days_running >= 0]
    average = None
    if running:
        today = entries[0].today
        average = relationship_age(today - timedelta(days=round(sum(running) / len(running))), today)
    return Totals(
        count=len(entries),
        by_type=[(t, PartnershipType(t).label, n) for t, n in sorted(types.items(), key=lambda i: (-i[1], i[0]))],
        by_status=[(s.value, s.label, statuses[s.value]) for s in PartnershipStatus if statuses[s.value]],
        average_duration=average,
    )
