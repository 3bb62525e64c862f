"""A reminder source registered for one notification test at a time."""

import pytest

from app.notifications.delivery import REMINDER_SOURCES


@pytest.fixture
def reminder_source(app):
    """reminder_source(fn) adds a source to this test's app."""

    def register(source):
        return REMINDER_SOURCES.add(app, source)

    return register
