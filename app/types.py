"""Column types shared by every model, and the one clock every timestamp is read from."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime.

    SQLite has no time zones and PostgreSQL's would convert on the session's zone;
    storing plain UTC behaves the same on both.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


_set_clock: ContextVar[datetime | None] = ContextVar("jointly_clock", default=None)


def utcnow() -> datetime:
    return _set_clock.get() or datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Within the block, everything recorded is dated `moment`: the demo builds two years of
    history through the same services people use. Never used while serving a request."""
    token = _set_clock.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _set_clock.reset(token)
