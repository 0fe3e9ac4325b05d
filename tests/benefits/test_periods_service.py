"""Usage periods are calendar periods in the business time zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.benefit import Benefit
from models.enums import BenefitPeriod
from services.benefits.eligibility import period_start
from services.benefits.usage import use_benefit
from services.errors import NotEligible
from tests.benefits.helpers import make_benefit
from tests.factories import make_member

# 2024-05-15 02:00 in Shanghai is still 14 May in UTC.
NOW = datetime(2024, 5, 14, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "local_start"),
    [
        (BenefitPeriod.DAY, "2024-05-15"),
        (BenefitPeriod.MONTH, "2024-05-01"),
        (BenefitPeriod.QUARTER, "2024-04-01"),
        (BenefitPeriod.YEAR, "2024-01-01"),
        (None, "2024-05-15"),
    ],
)
def test_period_starts_at_local_midnight(period, local_start):
    start = period_start(Benefit(usage_period=period), NOW)
    # Local midnight in UTC+8 is 16:00 UTC the day before.
    expected = datetime.fromisoformat(f"{local_start}T00:00:00+08:00").astimezone(UTC)
    assert start == expected


def test_lifetime_has_no_start():
    assert period_start(Benefit(usage_period=BenefitPeriod.LIFETIME), NOW) is None


async def test_a_daily_limit_renews_at_local_midnight_not_utc_midnight(db):
    await make_benefit("COFFEE", usage_limit=1, usage_period=BenefitPeriod.DAY)
    member = await make_member()
    # 23:30 on 14 May in Shanghai, then 00:30 on 15 May: the same UTC day, two local days.
    await use_benefit(member.id, "COFFEE", "a", datetime(2024, 5, 14, 15, 30, tzinfo=UTC))
    await use_benefit(member.id, "COFFEE", "b", datetime(2024, 5, 14, 16, 30, tzinfo=UTC))
    with pytest.raises(NotEligible):
        await use_benefit(member.id, "COFFEE", "c", datetime(2024, 5, 14, 17, 0, tzinfo=UTC))


async def test_a_lifetime_limit_never_renews(db):
    await make_benefit("WELCOME", usage_limit=1, usage_period=BenefitPeriod.LIFETIME)
    member = await make_member()
    await use_benefit(member.id, "WELCOME", "a", datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(NotEligible) as refused:
        await use_benefit(member.id, "WELCOME", "b", datetime(2024, 1, 1, tzinfo=UTC))
    assert refused.value.field == ["input", "benefitCode"]
