"""Earning arithmetic and calendar rules, called directly (no GraphQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from services.points.lots import expiry_of
from services.points.rules import is_birthday, points_for


def test_points_are_floored_in_decimal():
    assert points_for(Decimal("19.99"), Decimal("1.20"), birthday=False) == 23
    assert points_for(Decimal("0.99"), Decimal("1.00"), birthday=False) == 0
    assert points_for(Decimal("33.35"), Decimal("1.80"), birthday=True) == 120


def test_leap_day_birthday_falls_on_28_february_in_common_years():
    born = date(2000, 2, 29)
    assert is_birthday(born, date(2025, 2, 28))
    assert not is_birthday(born, date(2024, 2, 28))
    assert is_birthday(born, date(2024, 2, 29))


def test_expiry_is_the_last_second_of_the_month_24_months_on_in_business_time():
    # 2023-01-15 Shanghai expires at the end of 2025-01-31 Shanghai (15:59:59 UTC).
    occurred = datetime(2023, 1, 15, 4, 0, tzinfo=UTC)
    assert expiry_of(occurred, 24) == datetime(2025, 1, 31, 15, 59, 59, tzinfo=UTC)
    # 23:30 UTC on 31 January is already 1 February in Shanghai.
    late = datetime(2023, 1, 31, 23, 30, tzinfo=UTC)
    assert expiry_of(late, 24) == datetime(2025, 2, 28, 15, 59, 59, tzinfo=UTC)
