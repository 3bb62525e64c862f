"""Each party's reliability: the share of its promises kept on time, and how late the rest were,
per review period, with a p-chart that flags a special-cause drop.

A promise counts in the period its due date falls in, once it is due (its day has passed or
it was decided) and unless it was released. Mean lateness is over the promises kept (0 days
for one kept on time); broken and overdue ones count against the share kept on time.

The p-chart (Shewhart's chart for a proportion): the centre line p̄ is the party's share kept on
time over every period shown; each period's limits are p̄ ± 3·√(p̄(1 − p̄)/n) for its n promises,
clipped to [0, 1]. A period below its lower limit is a special-cause drop: something changed,
not noise.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.partnerships.parties import RecordParty
from app.promises.ledger import Promise
from app.review_cycle import periods

SIGMAS = 3


@dataclass(frozen=True)
class PeriodFigure:
    period: str
    due: int
    on_time: int
    late: int
    broken: int
    open_overdue: int
    lateness_days: int  # summed over the period's promises kept late
    complete: bool = True  # False for the period today is in: its figures may still change

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def kept(self) -> int:
        return self.on_time + self.late

    @property
    def mean_lateness(self) -> float | None:
        return self.lateness_days / self.kept if self.kept else None


@dataclass(frozen=True)
class ChartPoint:
    figure: PeriodFigure
    lower: float | None
    upper: float | None

    @property
    def special_cause(self) -> bool:
        share = self.figure.share
        return share is not None and self.lower is not None and share < self.lower - 1e-12


@dataclass(frozen=True)
class Reliability:
    party: RecordParty
    points: list[ChartPoint]
    centre: float | None  # p̄ over every period shown

    @property
    def due(self) -> int:
        return sum(p.figure.due for p in self.points)

    @property
    def on_time(self) -> int:
        return sum(p.figure.on_time for p in self.points)

    @property
    def mean_lateness(self) -> float | None:
        kept = sum(p.figure.kept for p in self.points)
        return sum(p.figure.lateness_days for p in self.points) / kept if kept else None

    @property
    def flagged(self) -> list[ChartPoint]:
        return [p for p in self.points if p.special_cause]

    @property
    def trend(self) -> float | None:
        """The latest complete period's share against the one before (in points of share), or None."""
        shares = [p.figure.share for p in self.points if p.figure.share is not None and p.figure.complete]
        return shares[-1] - shares[-2] if len(shares) >= 2 else None


def period_figures(promises: Iterable[Promise], months: int, today: date | None = None) -> list[PeriodFigure]:
    """One party's promises, by the period their due dates fall in (periods with none left out)."""
    by_period: dict[str, list[Promise]] = {}
    for promise in promises:
        if promise.due:
            by_period.setdefault(periods.period_of(promise.due_on, months), []).append(promise)
    figures = []
    for label in sorted(by_period, key=lambda label: periods.period_bounds(label, months)[0]):
        due = by_period[label]
        figures.append(PeriodFigure(
            period=label,
            due=len(due),
            on_time=sum(1 for p in due if p.outcome == "kept_on_time"),
            late=sum(1 for p in due if p.outcome == "kept_late"),
            broken=sum(1 for p in due if p.outcome == "broken"),
            open_overdue=sum(1 for p in due if p.overdue),
            lateness_days=sum(p.lateness for p in due),
            complete=today is None or periods.period_bounds(label, months)[1] < today,
        ))
    return figures


def control_limits(centre: float, n: int) -> tuple[float, float]:
    """The p-chart's 3-sigma limits for a period of n promises, clipped to [0, 1]."""
    if n <= 0:
        raise ValueError("a period with no promises has no limits")
    sigma = math.sqrt(max(0.0, centre * (1 - centre)) / n)
    return max(0.0, centre - SIGMAS * sigma), min(1.0, centre + SIGMAS * sigma)


def chart(figures: list[PeriodFigure]) -> tuple[list[ChartPoint], float | None]:
    due = sum(f.due for f in figures)
    if not due:
        return [ChartPoint(f, None, None) for f in figures], None
    centre = sum(f.on_time for f in figures) / due
    points = []
    for figure in figures:
        lower, upper = control_limits(centre, figure.due) if figure.due else (None, None)
        points.append(ChartPoint(figure, lower, upper))
    return points, centre


def reliability(promises: list[Promise], parties: list[RecordParty], months: int, today: date | None = None,
                last: int | None = None) -> list[Reliability]:
    """Each party's reliability over its periods (the `last` ones, when given)."""
    found = []
    for party in parties:
        figures = period_figures((p for p in promises if p.promisor.id == party.id), months, today)
        if last is not None:
            figures = figures[-last:]
        points, centre = chart(figures)
        found.append(Reliability(party, points, centre))
    return found
