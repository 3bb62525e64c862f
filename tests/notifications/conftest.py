"""A reminder source registered for one notification test at a time."""

import pytest

from app.notifications.delivery import REMINDER_SOURCES


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
