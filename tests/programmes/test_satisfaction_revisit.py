"""The satisfaction revisit (DESIGN §10): a sample of the purchases of the day delayDays
before the run, reproducible from the seed, each with a one-time survey code."""

from __future__ import annotations

from datetime import timedelta

from models.enums import CommunicationCategory, ProgrammeCode
from models.member import Member
from models.programme import SurveyToken
from services.clock import local_date
from services.programmes import programmes
from services.programmes.audience import candidates, local_day
from services.programmes.runs import sampled
from tests.factories import make_purchase
from tests.programmes.helpers import AS_OF, DAY, make_member, messaged, queued, run, settle

CODE = ProgrammeCode.SATISFACTION_REVISIT


async def test_the_days_purchases_delay_days_before_are_surveyed(db):
    await settle(CODE, sample_rate=1.0, delay_days=7)
    start, end = local_day(local_date(AS_OF) - timedelta(days=7))
    on_the_day = await make_member()
    first = await make_purchase(on_the_day, "10", start)
    await make_purchase(on_the_day, "20", end - timedelta(seconds=1))
    day_before = await make_member()
    await make_purchase(day_before, "10", start - timedelta(seconds=1))
    day_after = await make_member()
    await make_purchase(day_after, "10", end)

    result = await run(CODE)

    assert result.contacted == 1
    (message,) = await messaged(on_the_day.id)
    assert message.category == CommunicationCategory.SURVEY
    assert first.order_ref in (message.content or "")
    assert await queued(on_the_day.id) == 1
    token = await SurveyToken.get()
    assert (token.member_id, token.purchase_id) == (on_the_day.id, first.id)
    assert token.token_hash not in (message.content or "")  # only the hash is stored
    assert await messaged(day_before.id) == [] and await messaged(day_after.id) == []


async def test_daily_runs_neither_skip_nor_repeat_a_day(db):
    await settle(CODE, sample_rate=1.0, delay_days=2, cool_down_days=1)
    member = await make_member()
    for offset in range(3):
        start, _ = local_day(local_date(AS_OF) - timedelta(days=2 - offset))
        await make_purchase(member, "10", start + timedelta(hours=12))
    counts = [(await run(CODE, AS_OF + offset * DAY)).contacted for offset in range(3)]
    assert counts == [1, 1, 1]
    assert await SurveyToken.all().count() == 3


async def test_the_sample_is_near_the_rate_and_reproducible_from_the_seed(db):
    await settle(CODE, sample_rate=0.3, delay_days=1)
    start, _ = local_day(local_date(AS_OF) - timedelta(days=1))
    for _ in range(200):
        await make_purchase(await make_member(), "10", start + timedelta(hours=1))
    setting = next(s for s in await programmes() if s.code is CODE)
    everyone = await Member.all().values_list("id", flat=True)
    found = await candidates(setting, AS_OF, None, everyone)
    first = sampled(found, 0.3, 1234)
    assert [c.purchase_id for c in sampled(found, 0.3, 1234)] == [c.purchase_id for c in first]
    assert 30 <= len(first) <= 90  # 200 at 30 %: sd 6.5, this is over four of them
    assert sampled(found, 0.0, 1234) == []

    result = await run(CODE)
    assert result.contacted == len(sampled(found, 0.3, result.seed))
