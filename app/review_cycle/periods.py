"""Review periods named the way people say them: 2026-Q4 (quarterly), 2026-H2, 2026-11, 2026."""

import re
from datetime import date, timedelta

from app.inputs import DATE_MAX, DATE_MIN

PERIOD_PATTERNS = {
    3: re.compile(r"^(\d{4})-Q([1-4])$"),
    6: re.compile(r"^(\d{4})-H([12])$"),
    1: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    12: re.compile(r"^(\d{4})$"),
}
EXAMPLES = {3: "2026-Q4", 6: "2026-H2", 1: "2026-11", 12: "2026"}


def period_of(day: date, months: int) -> str:
    """The label of the period containing `day`."""
    if months == 12:
        return f"{day.year}"
    if months == 1:
        return f"{day.year}-{day.month:02d}"
    index = (day.month - 1) // months + 1
    return f"{day.year}-{'Q' if months == 3 else 'H'}{index}"


def period_bounds(label: str, months: int) -> tuple[date, date] | None:
    """(first day, last day) of the period, or None when the label is not one of this cadence's."""
    match = PERIOD_PATTERNS[months].match(label or "")
    if not match:
        return None
    year = int(match.group(1))
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        return None
    first_month = 1 if months == 12 else (int(match.group(2)) - 1) * months + 1
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def next_period(label: str, months: int) -> str:
    _start, end = period_bounds(label, months)
    return period_of(end + timedelta(days=1), months)

