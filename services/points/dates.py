"""Calendar arithmetic in the business time zone (points expiry, tier windows)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

from core.settings import get_settings
from services.clock import as_utc


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def local_midnight(day: date) -> datetime:
    """The UTC instant at which the business-calendar `day` begins."""
    tz = get_settings().tz
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def months_before(instant: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` earlier in the business time zone (day clamped)."""
    local = as_utc(instant).astimezone(get_settings().tz)
    day = add_months(local.date(), -months)
    return local.replace(year=day.year, month=day.month, day=day.day).astimezone(UTC)


def end_of_next_month(today: date) -> date:
    nxt = add_months(today.replace(day=1), 1)
    return nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1])
