"""Helpers for the notification tests: times just past a quiet period or a digest hour."""

from datetime import timedelta

import pytest

from app.notifications.delivery import REMINDER_SOURCES
from app.types import utcnow


def after_quiet_period(app, minutes_extra: int = 1):
    return utcnow() + timedelta(minutes=app.config["NOTIFICATION_QUIET_MINUTES"] + minutes_extra)


def next_morning(app, days: int = 1):
    """A moment past tomorrow's digest hour in UTC (the factories' users live in UTC)."""
    hour = app.config["NOTIFICATION_DIGEST_HOUR"]
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=30, second=0, microsecond=0)


@pytest.fixture
def reminder_source():
    """reminder_source(fn) registers a source for this test only."""
    added = []

    def register(source):
        REMINDER_SOURCES.append(source)
        added.append(source)
        return source

    yield register
    for source in added:
        REMINDER_SOURCES.remove(source)
