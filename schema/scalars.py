"""The contract's scalars: DateTime (ISO 8601 with offset, answered in UTC), Date, Decimal
(money as a string), JSON."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

import strawberry

from services.clock import as_utc
from services.errors import Invalid
from services.validation import OUT_OF_RANGE

# A year Python's dates cannot hold (0, negative, five digits or more): far outside the
# years dates keep to, so it is INVALID as they are (schema/inputs.py), not malformed.
_UNHELD_YEAR = re.compile(r"(?:-\d+|\+?\d{5,}|\+?0000)-")


def parse_datetime(value: Any) -> dt.datetime:
    """A DateTime input as the API reads it (the CLI's --as-of too): ISO 8601 with an
    offset, in UTC; ValueError when malformed, Invalid when out of range."""
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string with an offset.")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _refuse_unheld_year(value)
        raise ValueError(f"{value!r} is not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone offset.")
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999, shifted past what Python holds
        raise Invalid(OUT_OF_RANGE) from None


def _refuse_unheld_year(value: str) -> None:
    if _UNHELD_YEAR.match(value):
        raise Invalid(OUT_OF_RANGE) from None


def _serialize_datetime(value: dt.datetime) -> str:
    return as_utc(value).isoformat()


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("Date must be a string YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _refuse_unheld_year(value)
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD).") from None


def _parse_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('Decimal must be a string such as "199.90".')
    try:
        parsed = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number.") from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a finite number.")
    return parsed


def _serialize_decimal(value: decimal.Decimal | int | float) -> str:
    return str(decimal.Decimal(value).quantize(decimal.Decimal("0.01")))


SCALAR_MAP: dict[object, Any] = {
    dt.datetime: strawberry.scalar(
        name="DateTime",
        description="An instant as an ISO 8601 date-time with a UTC offset, e.g. "
        '"2025-01-31T16:00:00+00:00". Answers are always in UTC (+00:00); inputs may carry '
        "any offset (or Z) and are converted to UTC; an input without an offset is refused. "
        "Inputs lie within the years 1900-2200.",
        serialize=_serialize_datetime,
        parse_value=parse_datetime,
    ),
    dt.date: strawberry.scalar(
        name="Date",
        description="Calendar date, YYYY-MM-DD, without a time zone; where a date stands for a "
        "day of the business calendar (birthdays, expiry days) it is the day in the business "
        "time zone (MEMBERHUB_TIMEZONE, default Asia/Shanghai).",
        serialize=lambda value: value.isoformat(),
        parse_value=_parse_date,
    ),
    decimal.Decimal: strawberry.scalar(
        name="Decimal",
        description='Money as a string such as "199.90": an amount in whole currency units '
        "(not cents) of the configured currency (MEMBERHUB_CURRENCY, default CNY), answered "
        "with two decimals. Inputs may also be numbers.",
        serialize=_serialize_decimal,
        parse_value=_parse_decimal,
    ),
}
