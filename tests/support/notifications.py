"""Times just past a notification's quiet period or a digest hour."""

from datetime import timedelta

from app.types import utcnow


def after_quiet_period(app, minutes_extra: int = 1):
    return utcnow() + timedelta(minutes=app.config["NOTIFICATION_QUIET_MINUTES"] + minutes_extra)


def next_morning(app, days: int = 1):
    """A moment past tomorrow's digest hour in UTC (the factories' users live in UTC)."""
    hour = app.config["NOTIFICATION_DIGEST_HOUR"]
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=30, second=0, microsecond=0)
