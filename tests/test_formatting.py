from datetime import UTC, date, datetime
from types import SimpleNamespace

from app.formatting import format_datetime, relationship_age, time_ago


def test_times_are_shown_in_each_users_own_zone():
    moment = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    london = SimpleNamespace(time_zone="Europe/London")
    chicago = SimpleNamespace(time_zone="America/Chicago")
    tokyo = SimpleNamespace(time_zone="Asia/Tokyo")
    assert format_datetime(moment, london) == "23 Nov 2026, 15:30 GMT"
    assert format_datetime(moment, chicago) == "23 Nov 2026, 09:30 CST"
    assert format_datetime(moment, tokyo) == "24 Nov 2026, 00:30 JST"
    assert format_datetime(moment, SimpleNamespace(time_zone="Not/AZone")) == "23 Nov 2026, 15:30 UTC"


def test_relationship_age_reads_naturally():
    today = date(2026, 11, 23)
    assert relationship_age(date(2024, 3, 1), today) == "2 years 8 months"
    assert relationship_age(date(2025, 11, 23), today) == "1 year"
    assert relationship_age(date(2026, 11, 1), today) == "22 days"
    assert relationship_age(date(2026, 10, 23), today) == "1 month"
    assert relationship_age(date(2026, 12, 1), today) == "starts in 8 days"


def test_time_ago():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert time_ago(datetime(2026, 11, 23, 11, 59, 30, tzinfo=UTC), now) == "just now"
    assert time_ago(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), now) == "3 hours ago"
    assert time_ago(datetime(2026, 11, 21, 12, 0, tzinfo=UTC), now) == "2 days ago"
