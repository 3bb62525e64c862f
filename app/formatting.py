"""How times, dates and durations read on the page.

Times are stored in UTC and shown in the signed-in user's own time zone: the
parties of a partnership are often in different countries.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask
from flask_login import current_user

from app.markdown import outline_markup, render_diff
from app.types import utcnow


def user_zone(user=None) -> ZoneInfo:
    user = user if user is not None else current_user
    name = getattr(user, "time_zone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_local(value: datetime, user=None) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(user_zone(user))


def format_datetime(value: datetime | None, user=None) -> str:
    if value is None:
        return ""
    local = to_local(value, user)
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value.day} {value:%b %Y}"


def iso_datetime(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def relationship_age(start: date, today: date | None = None) -> str:
    """How long a relationship has run, in the words people use ("2 years 3 months")."""
    today = today or utcnow().date()
    if start > today:
        days = (start - today).days
        return f"starts in {_plural(days, 'day')}"
    months = (today.year - start.year) * 12 + today.month - start.month
    if today.day < start.day:
        months -= 1
    if months <= 0:
        return _plural((today - start).days, "day")
    years, months = divmod(months, 12)
    parts = [_plural(years, "year")] if years else []
    if months:
        parts.append(_plural(months, "month"))
    return " ".join(parts)


def time_ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    now = now or utcnow()
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return "just now"
    for size, word in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return f"{_plural(seconds // size, word)} ago"
    return "just now"


_ZONES: list[str] | None = None


def time_zone_names() -> list[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
        _ZONES.insert(0, "UTC")
    return _ZONES


def time_zone_choices():
    from app.forms import choices

    return choices((z, z.replace("_", " ")) for z in time_zone_names())


def is_time_zone(name: str) -> bool:
    return name in set(time_zone_names())


def file_size(size: int) -> str:
    """A file's size as people read it: "812 bytes", "14 KB", "2.4 MB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} byte{'' if size == 1 else 's'}"


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(file_size, "filesize")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(iso_datetime, "iso")
    app.add_template_filter(time_ago, "ago")
    app.add_template_filter(relationship_age, "age")
    app.add_template_filter(outline_markup, "outline")
    app.add_template_filter(render_diff, "diff_markdown")
