"""Time helpers: aware UTC instants, and calendar rules in the business time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.settings import get_settings


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken as already UTC (what the database returns on SQLite)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_date(value: datetime) -> date:
    """The calendar date of an instant in the business time zone."""
    return as_utc(value).astimezone(get_settings().tz).date()


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_band(birth: date | None, today: date) -> str | None:
    if birth is None:
        return None
    age = age_on(birth, today)
    if age < 18:
        return "<18"
    if age <= 25:
        return "18-25"
    if age <= 35:
        return "26-35"
    if age <= 45:
        return "36-45"
    return "46+"
