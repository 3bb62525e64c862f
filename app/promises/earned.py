"""Trust as earned for a review's results and report: each of the cycle's parties' promises due
in the cycle's period, kept on time or not, by source."""

from dataclasses import dataclass, field
from datetime import date

from app.promises.ledger import SOURCES, promises_of
from app.review_cycle import periods
from app.review_cycle.models import ReviewCycle


@dataclass
class Earned:
    due: int = 0
    on_time: int = 0
    late: int = 0
    broken: int = 0
    open_overdue: int = 0
    by_source: dict[str, list[int]] = field(default_factory=dict)  # label -> [on time, due]

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None

    @property
    def sources(self) -> list[tuple[str, int, int]]:
        order = list(SOURCES.values())
        return sorted(((label, kept, due) for label, (kept, due) in self.by_source.items()),
                      key=lambda row: order.index(row[0]))


def period_of_cycle(cycle: ReviewCycle) -> tuple[date, date] | None:
    """The first and last day of the cycle's period, whatever its cadence ("2026-Q4", "2026")."""
    for months in (3, 6, 1, 12):
        bounds = periods.period_bounds(cycle.period, months)
        if bounds is not None:
            return bounds
    return None


def earned_in(cycle: ReviewCycle, today: date) -> dict[int, Earned]:
    bounds = period_of_cycle(cycle)
    if bounds is None:
        return {}
    start, end = bounds
    parties = {entry["party_id"] for entry in cycle.parties or []}
    earned: dict[int, Earned] = {party_id: Earned() for party_id in parties}
    for promise in promises_of(cycle.partnership_id, today):
        figures = earned.get(promise.promisor.id)
        if figures is None or not start <= promise.due_on <= end or not promise.due:
            continue
        figures.due += 1
        on_time = promise.outcome == "kept_on_time"
        figures.on_time += on_time
        figures.late += promise.outcome == "kept_late"
        figures.broken += promise.outcome == "broken"
        figures.open_overdue += promise.overdue
        counts = figures.by_source.setdefault(SOURCES[promise.source], [0, 0])
        counts[0] += on_time
        counts[1] += 1
    return earned
